"""Loaders and validation of price series: layouts, quirks and clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bubblescope.model.errors import DataError, ScenarioError
from bubblescope.signals.loaders import read_series
from bubblescope.signals.registry import (
    AI_NAMES,
    REGISTRY,
    find_data_dir,
    load_named,
    resolve_series,
)
from bubblescope.signals.series import make_series, require_length, require_positive


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_generic_csv_picks_adj_close(tmp_path: Path) -> None:
    p = _write(tmp_path, "x.csv", "Date,Close,Adj Close\n2024-01-02,10,9\n2024-01-03,11,10\n")
    s = read_series(p)
    assert s.values.tolist() == [9.0, 10.0]
    assert s.frequency == "daily"
    assert "x.csv" in str(s)


def test_explicit_columns_and_ratio(tmp_path: Path) -> None:
    p = _write(tmp_path, "r.csv", "when,a,b\n2024-01-31,4,2\n2024-02-29,9,3\n2024-03-31,8,2\n")
    s = read_series(p, date_col="when", value_col="a/b")
    assert s.values.tolist() == [2.0, 3.0, 4.0]
    assert s.frequency == "monthly"


def test_yahoo_three_header_layout(tmp_path: Path) -> None:
    text = ("Price,Adj Close,Close\nTicker,^X,^X\nDate,,\n"
            "2024-01-02,1.5,1.6\n2024-01-03,1.7,1.8\n")
    s = read_series(_write(tmp_path, "y.csv", text))
    assert s.values.tolist() == [1.5, 1.7]


def test_fred_missing_values_dropped_and_counted(tmp_path: Path) -> None:
    text = "DATE,BAA\n2024-01-01,1\n2024-01-02,.\n2024-01-03,\n2024-01-04,2\n"
    s = read_series(_write(tmp_path, "f.csv", text))
    assert len(s) == 2
    assert s.n_dropped == 2
    assert "2 missing rows dropped" in str(s)


def test_shiller_october_quirk(tmp_path: Path) -> None:
    text = "Date;Price;Dividend\n2024.09;10;1\n2024.1;11;1\n2024.11;12;2\n2024.12;13;\n"
    s = read_series(_write(tmp_path, "ie.csv", text), value_col="Price/Dividend")
    assert [str(d) for d in s.dates] == ["2024-09-01", "2024-10-01", "2024-11-01"]
    assert s.values.tolist() == [10.0, 11.0, 6.0]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("date,value\n2024-01-02,1\n2024-01-02,2\n", "duplicated date"),
        ("date,value\n2024-01-03,1\n2024-01-02,2\n", "after the previous date"),
        ("date,value\n2024-01-02,1\n2024-01-03,abc\n", "must be a number"),
        ("date,value\n2024-01-02,1\nnot-a-date,2\n", "ISO date"),
        ("date,value\n2024-01-31,1\n2024-02-29,2\n2024-04-30,3\n2024-05-31,3\n", "gap of 61"),
        ("date,value\n2024-01-02,1\n", "at least 2 observations"),
        ("date,a,b\n2024-01-02,1,2\n2024-01-03,1,2\n", "several value columns"),
    ],
)
def test_bad_input_names_problem_and_row(tmp_path: Path, text: str, fragment: str) -> None:
    with pytest.raises(DataError, match=fragment) as info:
        read_series(_write(tmp_path, "bad.csv", text))
    assert "bad.csv" in str(info.value)


def test_line_number_in_message(tmp_path: Path) -> None:
    text = "date,value\n2024-01-02,1\n2024-01-03,2\n2024-01-03,3\n"
    with pytest.raises(DataError, match=r"bad\.csv line 4") as info:
        read_series(_write(tmp_path, "bad.csv", text))
    assert text.splitlines()[info.value.issues[0].line - 1] == "2024-01-03,3"  # the repeat


def test_yahoo_layout_counts_its_three_header_lines(tmp_path: Path) -> None:
    text = ("Price,Close\nTicker,NVDA\nDate,\n2024-01-02,1\n2024-01-03,x\n")
    with pytest.raises(DataError) as info:
        read_series(_write(tmp_path, "y.csv", text))
    (issue,) = info.value.issues
    assert issue.line == 5
    assert text.splitlines()[issue.line - 1].endswith(",x")


def test_missing_file_column_and_empty(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="must exist"):
        read_series(tmp_path / "nope.csv")
    p = _write(tmp_path, "c.csv", "date,value\n2024-01-02,1\n2024-01-03,2\n")
    with pytest.raises(DataError, match="must be a column"):
        read_series(p, value_col="close")
    with pytest.raises(DataError, match="must not be empty"):
        read_series(_write(tmp_path, "e.csv", "\n"))
    with pytest.raises(DataError, match="at least one data row"):
        read_series(_write(tmp_path, "h.csv", "date,value\n"))


def test_make_series_checks() -> None:
    d = np.array(["2024-01-01", "2024-01-02"], dtype="datetime64[D]")
    with pytest.raises(DataError, match="finite"):
        make_series("x", d, np.array([1.0, np.nan]), "mem")
    with pytest.raises(DataError, match="one value per date"):
        make_series("x", d, np.array([1.0]), "mem")
    with pytest.raises(DataError, match="valid date"):
        make_series("x", np.array(["2024-01-01", "NaT"], dtype="datetime64[D]"),
                    np.ones(2), "mem")
    s = make_series("x", d, np.array([1.0, -1.0]), "mem")
    with pytest.raises(DataError, match="must be positive"):
        require_positive(s)
    with pytest.raises(DataError, match="at least 5"):
        require_length(s, 5, "test")
    w = make_series("w", np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-03-01"), 7),
                    np.ones(9), "mem")
    q = make_series("q", np.array(["2024-01-01", "2024-04-01"], dtype="datetime64[D]"),
                    np.ones(2), "mem")
    a = make_series("a", np.array(["2023-01-01", "2024-01-01"], dtype="datetime64[D]"),
                    np.ones(2), "mem")
    assert (w.frequency, q.frequency, a.frequency) == ("weekly", "quarterly", "annual")


def test_bundled_registry_series() -> None:
    nas = load_named("nasdaq")
    assert float(nas.values[nas.dates == np.datetime64("2000-03-10")][0]) == 5048.62
    pd_ = load_named("sp500-pd")
    assert str(pd_.start) == "1871-01-01"
    assert pd_.frequency == "monthly"
    dot = load_named("nasdaq-dotcom")
    assert str(dot.start) == "1994-01-03"


def test_registry_errors_and_data_dir(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="unknown series"):
        load_named("nope")
    with pytest.raises(DataError, match="not bundled") as info:
        load_named("nvda", None)
    assert "BUBBLESCOPE_DATA_DIR" in str(info.value)
    with pytest.raises(DataError, match="not bundled"):
        load_named("nvda", tmp_path)
    with pytest.raises(ScenarioError, match="known name"):
        resolve_series(str(tmp_path / "missing.csv"))
    assert find_data_dir(tmp_path, "/elsewhere", tmp_path) == tmp_path
    assert find_data_dir(None, "/elsewhere", tmp_path) == Path("/elsewhere")
    assert set(AI_NAMES) <= set(REGISTRY)


def test_resolve_file_and_name(tmp_path: Path) -> None:
    p = _write(tmp_path, "z.csv", "date,value\n2024-01-02,1\n2024-01-03,2\n")
    s, tr = resolve_series(str(p))
    assert tr == "log"
    assert len(s) == 2
    s2, tr2 = resolve_series("sp500-pd")
    assert tr2 == "level"
    assert len(s2) > 1000


def test_ai_names_from_shared_data(shared_data: Path) -> None:
    s = load_named("nvda", shared_data)
    assert float(s.values[s.dates == np.datetime64("2024-12-31")][0]) == pytest.approx(
        134.29, abs=0.5)


def test_errors_name_file_row_column_rule_and_value(tmp_path: Path) -> None:
    """Audit: a negative price names its row and real column like a non-numeric one does."""
    rows = "".join(f"2015-{m:02d}-28,{-1.5 if m == 5 else 10 + m}\n" for m in range(1, 13))
    p = _write(tmp_path, "neg.csv", "Date,Close\n" + rows)
    s = read_series(p)
    with pytest.raises(DataError) as exc:
        require_positive(s, "the log of prices")
    issue = exc.value.issues[0]
    assert (issue.file, issue.line, issue.field, issue.value) == ("neg.csv", 6, "Close", "-1.5")
    assert p.read_text().splitlines()[issue.line - 1] == "2015-05-28,-1.5"
    assert "2015-05-28" in issue.rule
    bad = _write(tmp_path, "bad.csv", "Date,Close\n2015-01-28,1\n2015-02-28,x\n")
    with pytest.raises(DataError) as exc2:
        read_series(bad)
    assert (exc2.value.issues[0].line, exc2.value.issues[0].field) == (3, "Close")
    # rows survive a date selection
    cut = s.between("2015-04", "2015-06")
    assert cut.rows is not None
    assert cut.rows.tolist() == [5, 6, 7]  # file lines
    with pytest.raises(DataError, match="line 6: 'Close'"):
        require_positive(cut)


def test_require_length_says_series_too_short(tmp_path: Path) -> None:
    p = _write(tmp_path, "two.csv", "date,ratio\n2020-01-31,1\n2020-02-29,2\n")
    s = read_series(p)
    with pytest.raises(DataError) as exc:
        require_length(s, 20, "window 19 (lag 0)")
    issue = exc.value.issues[0]
    assert issue.file == "two.csv"
    assert issue.field == "ratio"
    assert issue.rule == "series too short: need at least 20 observations for window 19 (lag 0)"
    assert issue.value.startswith("2 observations")


def test_between_partial_dates() -> None:
    s = load_named("sp500-pd")
    assert len(s.between(None, "2010-12")) == 1680
    assert str(s.between("1995", "1995").end) == "1995-12-01"
    with pytest.raises(ScenarioError, match="YYYY-MM"):
        s.between(None, "2010-13")

"""Hypothesis fuzz of every reader: a clean DataError/ScenarioError, or success. Nothing else.

Each reader gets mutated copies of a valid file (cells replaced by hostile values, bytes
inserted, lines cut) and random text. Any exception other than the two input errors is a
bug: the CLI would report it as an internal error (exit 1) with a traceback.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bubblescope.dashboard.uploads import csv_rows, replace_table
from bubblescope.model.errors import DataError, DataQualityWarning, ScenarioError
from bubblescope.model.web import Web
from bubblescope.signals.loaders import read_series
from bubblescope.size.data import load_rubric, read_flow_shares, read_generations, read_series_csv
from bubblescope.store.deal_legs import import_deal_legs
from bubblescope.store.files import read_web_dir
from bubblescope.store.leg_mapping import load_mapping
from bubblescope.store.rows import TABLES
from bubblescope.stress.scenario import Scenario, read_yaml, scenario_from_mapping

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "src" / "bubblescope" / "data" / "web"
RUBRIC = ROOT / "src" / "bubblescope" / "data" / "goldfarb_kirsch.yaml"
#: Examples per reader: 40 in CI (seconds); set $BUBBLESCOPE_FUZZ_EXAMPLES for a deeper run.
EXAMPLES = int(os.environ.get("BUBBLESCOPE_FUZZ_EXAMPLES", "40"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

#: Values that broke, or could break, a parser: numbers Python reads but data files must
#: not hold, control bytes, quoting, huge and tiny numbers, dates that are no dates.
HOSTILE = st.sampled_from([
    "", " ", "١٢٣", "1_000", "nan", "NaN", "inf", "-inf", "1e308", "1.7e308", "1e999", "-0",
    "0x1f", "1,5", "\x00", "a\x00b", "\"", "\"\"", "'", "\n", "\r", "\t", ";", ",", "\\",
    "2025-13-45", "2025-02-30", "9999-99-99", "[", "{", "]]", ": x", "- a", "&a", "*a",
    "!!python/object:os.system",
    "9" * 400, "x" * 3000, "\u202e", "\ufeff", "\ud7ff", "Ä", "😀", "-1", "0", "1e-320",
])
CELL = st.one_of(HOSTILE, st.text(max_size=12))


def _mutate(text: str, data: st.DataObject) -> str:
    """Replace a few cells and splice in a few hostile strings."""
    lines = text.splitlines()
    for _ in range(data.draw(st.integers(1, 4), label="edits")):
        i = data.draw(st.integers(0, max(len(lines) - 1, 0)), label="line")
        if not lines:
            break
        cells = lines[i].split(",")
        j = data.draw(st.integers(0, len(cells) - 1), label="cell")
        action = data.draw(st.sampled_from(["cell", "splice", "cut", "drop"]), label="action")
        if action == "cell":
            cells[j] = data.draw(CELL, label="value")
            lines[i] = ",".join(cells)
        elif action == "splice":
            k = data.draw(st.integers(0, len(lines[i])), label="at")
            lines[i] = lines[i][:k] + data.draw(HOSTILE, label="insert") + lines[i][k:]
        elif action == "cut":
            lines[i] = lines[i][: data.draw(st.integers(0, len(lines[i])), label="cut")]
        else:
            del lines[i]
    return "\n".join(lines) + data.draw(st.sampled_from(["\n", "", "\r\n"]), label="end")


def _encode(text: str, data: st.DataObject) -> bytes:
    raw = text.encode("utf-8", "surrogatepass")
    if data.draw(st.booleans(), label="bad bytes"):
        k = data.draw(st.integers(0, len(raw)), label="byte at")
        raw = raw[:k] + data.draw(st.binary(min_size=1, max_size=4), label="bytes") + raw[k:]
    return raw


def _clean(call: Callable[[], object]) -> None:
    """Run ``call``: success or a DataError/ScenarioError whose message names something."""
    error: BaseException | None = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)  # skipped legs etc. are fine
        try:
            call()
        except (DataError, ScenarioError) as exc:
            error = exc
    if error is not None:
        assert str(error).strip()
        if isinstance(error, DataError):
            assert error.issues
            assert all(i.file and i.rule for i in error.issues)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        yield Path(tmp)


@pytest.fixture(scope="module")
def web_copy(scratch: Path) -> Path:
    root = scratch / "web"
    shutil.copytree(WEB, root)
    return root


@pytest.mark.parametrize("table", [*(f"{t}.csv" for t in TABLES), "web.yaml"])
@settings(FUZZ, max_examples=max(EXAMPLES // 3, 5))  # a whole web per example: ~0.15 s
@given(data=st.data())
def test_web_directory_tables(web_copy: Path, table: str, data: st.DataObject) -> None:
    original = (WEB / table).read_text(encoding="utf-8")
    path = web_copy / table
    path.write_bytes(_encode(_mutate(original, data), data))
    try:
        _clean(lambda: read_web_dir(web_copy))
    finally:
        path.write_text(original, encoding="utf-8")


KEVIN_HEADER = ("deal_id,date,deal,from,to,leg_type,usd_bn,leg_note,headline_usd_bn,"
                "headline_note,bis_category,status,confidence,in_totals,sources,origin")
KEVIN_ROWS = [
    "d1,2025-01-02,Deal one,Microsoft,OpenAI,investment,10,n,10,h,x,closed,medium,1,"
    "https://example.org/a,o",
    "d1,2025-01-02,Deal one,OpenAI,Microsoft,purchase,,n,10,h,x,closed,medium,1,"
    "https://example.org/a,o",
    "d2,2025-03,Deal two,Nvidia,OpenAI,investment,100,n,100,h,x,announced,low,1,"
    "https://example.org/b,o",
]


@FUZZ
@given(data=st.data())
def test_deal_leg_csv(scratch: Path, data: st.DataObject) -> None:
    path = scratch / "legs.csv"
    text = "\n".join([KEVIN_HEADER, *KEVIN_ROWS])
    path.write_bytes(_encode(_mutate(text, data), data))
    _clean(lambda: import_deal_legs(path))


JSON_PIECES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), HOSTILE),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.sampled_from(
                                ["edges", "as_of", "from", "to", "usd_bn", "date", "leg_type",
                                 "status", "confidence", "sources"]), inner, max_size=5)),
    max_leaves=12)


@FUZZ
@given(payload=JSON_PIECES, data=st.data())
def test_deal_leg_json(scratch: Path, payload: Any, data: st.DataObject) -> None:
    import json

    path = scratch / "edges.json"
    text = json.dumps(payload)
    if data.draw(st.booleans(), label="mutate json"):
        text = _mutate(text, data)
    path.write_bytes(_encode(text, data))
    _clean(lambda: import_deal_legs(path))


YAML_TEXT = st.one_of(
    st.text(max_size=80),
    st.lists(st.tuples(st.sampled_from(["name", "as_of", "legs", "statuses", "columns",
                                        "entities", "equity_shock", "revenue_shocks",
                                        "quarters", "description", "amount_scale"]),
                       st.one_of(HOSTILE, st.text(max_size=10))), max_size=5)
    .map(lambda kv: "\n".join(f"{k}: {v}" for k, v in kv)),
)


@FUZZ
@given(text=YAML_TEXT, data=st.data())
def test_yaml_readers(scratch: Path, text: str, data: st.DataObject) -> None:
    path = scratch / "f.yaml"
    path.write_bytes(_encode(text, data))
    _clean(lambda: load_mapping(path))
    _clean(lambda: load_rubric(path))

    def scenario() -> None:
        doc = read_yaml(path)
        scenario_from_mapping(doc if isinstance(doc, dict) else {"name": "x", "q": doc})

    _clean(scenario)


@FUZZ
@given(data=st.data())
def test_rubric_mutations(scratch: Path, data: st.DataObject) -> None:
    path = scratch / "rubric.yaml"
    path.write_bytes(_encode(_mutate(RUBRIC.read_text(encoding="utf-8"), data), data))
    _clean(lambda: load_rubric(path))


@FUZZ
@given(sets=st.lists(st.tuples(
    st.sampled_from(["equity_shock", "revenue_shocks", "quarters", "name", "nope",
                     "spread_shock_bp", ""]),
    st.one_of(HOSTILE, st.text(max_size=15),
              st.sampled_from(["[0.1, 0.2]", "{openai: 0.5}", "[[openai, 0.5]]", "[[a]]",
                               "{a: [1]}", "0.3", "[]", "{}", "null", "true"]))),
    max_size=3))
def test_set_overrides(sets: list[tuple[str, str]]) -> None:
    from bubblescope.cli.stress import parse_sets

    _clean(lambda: Scenario("x").with_values(parse_sets([f"{k}={v}" for k, v in sets])))


SERIES = "date,value\n" + "".join(f"2024-01-{d:02d},{100 + d * 1.5}\n" for d in range(1, 29))


@FUZZ
@given(data=st.data())
def test_price_series_csv(scratch: Path, data: st.DataObject) -> None:
    path = scratch / "series.csv"
    path.write_bytes(_encode(_mutate(SERIES, data), data))
    _clean(lambda: read_series(path))
    _clean(lambda: read_series_csv(path, "value", name="x", unit="percent", freq="M",
                                   source="fuzz", date_column="date"))


@FUZZ
@given(data=st.data())
def test_size_tables(scratch: Path, data: st.DataObject) -> None:
    flows = "asset_class,flow_usd_bn,period,measure,source,confidence,note\n" \
            "ai,10,2025,m,s,high,n\nother,20,2025,m,s,low,n\n"
    path = scratch / "flows.csv"
    path.write_bytes(_encode(_mutate(flows, data), data))
    _clean(lambda: read_flow_shares(path))
    scaling = ("generation,model,year,training_cost_usd_m,capability,capability_metric,"
               "cost_source,capability_source,confidence\n1,a,2020,4,50,m,s,s,high\n"
               "2,b,2023,100,80,m,s,s,high\n")
    path = scratch / "scaling.csv"
    path.write_bytes(_encode(_mutate(scaling, data), data))
    _clean(lambda: read_generations(path))


@FUZZ
@given(data=st.data())
def test_uploaded_tables(small_web: Web, data: st.DataObject) -> None:
    table = data.draw(st.sampled_from(["sources", "entities", "figures", "contracts"]))
    original = (WEB / f"{table}.csv").read_text(encoding="utf-8")
    raw = _encode(_mutate(original, data), data)

    def upload() -> None:
        rows = csv_rows(raw, f"{table}.csv", max_rows=5000)
        replace_table(small_web, table, rows, f"{table}.csv")  # type: ignore[arg-type]

    _clean(upload)


def test_the_fuzzed_readers_accept_their_unmutated_files(scratch: Path) -> None:
    # The fuzz would pass vacuously if every input were refused: the originals must load.
    assert read_web_dir(WEB).as_of == dt.date(2025, 12, 31)
    path = scratch / "legs.csv"
    path.write_text("\n".join([KEVIN_HEADER, *KEVIN_ROWS]) + "\n", encoding="utf-8")
    with pytest.warns(DataQualityWarning, match="skipped"):
        assert import_deal_legs(path).n_rows == 3
    path = scratch / "series.csv"
    path.write_text(SERIES, encoding="utf-8")
    assert len(read_series(path)) == 28
    assert load_rubric(RUBRIC).factors


def test_found_by_the_fuzz(scratch: Path, web_copy: Path) -> None:
    # An empty date parsed as NaT and crashed the gap check; 1e999 (inf) reached int();
    # a holdings share that is no number left a total without a first row (KeyError).
    path = scratch / "gdp.csv"
    path.write_text("date,value\n2024-01-01,1\n,2\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 3: 'date' must be a date"):
        read_series_csv(path, "value", name="x", unit="percent", freq="M", source="t",
                        date_column="date")
    path = scratch / "scaling.csv"
    path.write_text("generation,model,year,training_cost_usd_m\n1e999,m,2020,4\n",
                    encoding="utf-8")
    with pytest.raises(DataError, match="'generation' must be a finite number"):
        read_generations(path)
    holdings = web_copy / "holdings.csv"
    original = holdings.read_text(encoding="utf-8")
    lines = original.splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("share")] = "lots"
    holdings.write_text("\n".join([lines[0], ",".join(row), *lines[2:]]) + "\n",
                        encoding="utf-8")
    try:
        with pytest.raises(DataError, match="line 2: 'share' must be a number"):
            read_web_dir(web_copy)
    finally:
        holdings.write_text(original, encoding="utf-8")

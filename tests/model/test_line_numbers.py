"""Every reader names a bad row by its FILE LINE (the header is line 1): read it back.

Each test spoils one value in a file, catches the :class:`DataError`, opens the file again
and checks that the line the issue names really holds the spoiled value. A quoted field
that spans lines moves every later row down; the reported line follows it.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pytest

import bubblescope as bs
from bubblescope.calibration.envelopes import load_cited
from bubblescope.calibration.history import read_close
from bubblescope.dashboard.uploads import csv_rows, replace_table
from bubblescope.model.errors import DataError, Issue
from bubblescope.model.inputs import parse_csv, read_csv
from bubblescope.size.data import (
    read_contributions,
    read_flow_shares,
    read_generations,
    read_seed_claims,
)
from bubblescope.store.deal_legs import import_deal_legs
from bubblescope.store.files import read_web_dir, write_web_dir
from bubblescope.store.portfolio_file import portfolio_from_bytes, read_portfolio


def _line(path: Path, issue: Issue) -> str:
    """The text of the line ``issue`` names, read back from the file."""
    assert issue.line is not None, issue
    return path.read_text(encoding="utf-8").splitlines()[issue.line - 1]


def _only(err: pytest.ExceptionInfo[DataError], field: str) -> Issue:
    [issue] = [i for i in err.value.issues if i.field == field]
    return issue


def test_the_reader_counts_quoted_newlines_and_blank_lines() -> None:
    text = 'id,note\na,"two\nlines"\n\nb,x\r\nc,y\n'
    rows = parse_csv(text, "t.csv")
    assert [(r.line, r["id"]) for r in rows] == [(2, "a"), (5, "b"), (6, "c")]
    assert all(text.splitlines()[r.line - 1].startswith(r["id"] + ",") for r in rows)


def test_a_malformed_line_is_named() -> None:
    with pytest.raises(DataError) as err:
        parse_csv('id,x\na,1\nb,"open\n', "t.csv")
    assert err.value.issues[0].line is not None
    assert err.value.issues[0].line >= 3


@pytest.fixture
def web_copy(tmp_path: Path) -> Path:
    return write_web_dir(bs.load_default(), tmp_path / "web")


def test_web_tables_name_the_line_even_after_a_multiline_note(web_copy: Path) -> None:
    path = web_copy / "contracts.csv"
    rows = read_csv(path)
    header = list(rows[0])
    rows[0]["note"] = "first line\nsecond line"  # every later row moves down one line
    rows[3]["amount"] = "-7"
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_web_dir(web_copy)
    issue = _only(err, "amount")
    assert issue.line == 6  # data row 4 after a header and a two-line row
    assert ",-7," in _line(path, issue)


def test_ratings_table_names_the_line(web_copy: Path) -> None:
    path = web_copy / "ratings.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace(lines[2].split(",")[1], "AAAA", 1)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_web_dir(web_copy)
    issue = _only(err, "grade")
    assert issue.line == 3
    assert "AAAA" in _line(path, issue)


def test_portfolio_csv_and_xlsx_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "book.csv"
    path.write_text("id,issuer,instrument,amount\na,oracle,bond,1\nb,meta,bond,lots\n",
                    encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_portfolio(path)
    issue = _only(err, "amount")
    assert issue.line == 3
    assert _line(path, issue).endswith(",lots")
    buf = io.BytesIO()
    pd.DataFrame({"id": ["a", "b"], "issuer": ["oracle", "meta"], "instrument": ["bond"] * 2,
                  "amount": ["1", "lots"]}).to_excel(buf, index=False)
    with pytest.raises(DataError) as err:
        portfolio_from_bytes(buf.getvalue(), "book.xlsx")
    issue = _only(err, "amount")
    assert issue.line == 3  # the spreadsheet's row 3: its header is row 1
    sheet = pd.read_excel(io.BytesIO(buf.getvalue()), header=None, dtype=str)
    assert sheet.iloc[issue.line - 1, 3] == "lots"


LEGS = ("deal_id,date,deal,from,to,leg_type,usd_bn,leg_note,headline_usd_bn,headline_note,"
        "bis_category,status,confidence,in_totals,sources")


def test_deal_legs_csv_lines_and_json_edges(tmp_path: Path) -> None:
    path = tmp_path / "legs.csv"
    path.write_text("\n".join([
        LEGS, 'd1,2025-01-02,Deal,Nvidia,OpenAI,investment,5,"a note\nover two lines",5,,x,'
        "closed,high,1,https://a", "d2,2025-01-02,Deal,Nvidia,OpenAI,investment,-4,,5,,x,"
        "closed,high,1,https://a"]) + "\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        import_deal_legs(path)
    issue = _only(err, "usd_bn")
    assert issue.line == 4
    assert _line(path, issue).startswith("d2,")
    edges = tmp_path / "legs.json"
    edge = {"from": "NVIDIA", "to": "OpenAI", "flow_type": "equity_investment",
            "amount_usd": 1e9, "date": "2025-01-02", "binding": True,
            "source_tier": "inferred", "source_uri": "https://x"}
    edges.write_text(json.dumps({"edges": [edge, {**edge, "date": "2025-13-02"}]}),
                     encoding="utf-8")
    with pytest.raises(DataError) as err:
        import_deal_legs(edges)
    assert any(i.file == f"{edges} edge 2" and i.line is None for i in err.value.issues)


@pytest.mark.parametrize(("reader", "header", "good", "bad", "value"), [
    (read_flow_shares, "asset_class,flow_usd_bn,source", "ai,1,x", "vc,lots,x", "lots"),
    (read_seed_claims, "id,value,unit,seed,quote", "a,1,x,001,q", "b,many,x,001,q", "many"),
    (read_generations, "generation,model,year,training_cost_usd_m", "1,m,2020,4",
     "2,n,2021,dear", "dear"),
    (read_contributions, "quarter,series,value,source", "2025Q1,gdp,1,s", "2025Q2,gdp,up,s",
     "up"),
])
def test_sizing_tables_name_the_line(tmp_path: Path, reader: object, header: str, good: str,
                                     bad: str, value: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text("\n".join([header, good, good.replace("1", "7", 1), bad]) + "\n",
                    encoding="utf-8")
    with pytest.raises(DataError) as err:
        reader(path)  # type: ignore[operator]
    [issue] = [i for i in err.value.issues if i.value == value]
    assert issue.line == 4
    assert value in _line(path, issue).split(",")


def test_calibration_series_and_cited_rows_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("Price,v\nTicker,X\nDate,\n2020-01-01,1\n2020-01-02,oops\n",
                    encoding="utf-8")
    with pytest.raises(DataError) as err:
        read_close(path, {"v": "v"})
    assert _line(path, err.value.issues[0]).endswith(",oops")
    cited = tmp_path / "cited.yaml"
    cited.write_text("# cited\n- {metric: a, episode: y, value: 1, unit: u, source: s, "
                     "confidence: low}\n- metric: x\n  episode: y\n  value: high\n  unit: u\n"
                     "  source: s\n  confidence: low\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_cited(cited)
    assert _line(cited, err.value.issues[0]) == "- metric: x"


def test_an_uploaded_table_names_the_line() -> None:
    web = bs.load_default()
    body = b"id,kind,citation\ns_up,filing,ok\ns_bad,tweet,x\n"
    with pytest.raises(DataError) as err:
        replace_table(web, "sources", csv_rows(body, "up.csv"), "up.csv")
    issue = _only(err, "kind")
    assert issue.line == 3
    assert body.decode().splitlines()[issue.line - 1] == "s_bad,tweet,x"

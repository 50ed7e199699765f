"""Uploads: validated in memory, errors by row, nothing kept unless valid."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from bubblescope.dashboard.uploads import csv_rows
from bubblescope.model import DataError

HEADER = "id,kind,holder,obligor,amount,status,confidence,source_ids\n"
GOOD = HEADER + "n1,loan,banks,openai,5,closed,high,s1\nn2,bond,insurers,oracle,7,closed,low,a1\n"
BAD = HEADER + ("n1,loan,banks,openai,-5,closed,high,s1\n"
                "n2,bond,insurers,nobody,7,closed,high,a1\n"
                "n3,lease,banks,oracle,3,closed,sure,zz\n")


def post(client: TestClient, body: bytes, table: str = "contracts", apply: bool = False,
         name: str = "contracts.csv") -> dict[str, object]:
    r = client.post("/api/validate", data={"table": table, "apply": str(apply).lower()},
                    files={"file": (name, body, "text/csv")})
    assert r.status_code == 200, r.text
    out: dict[str, object] = r.json()
    return out


def test_bad_rows_are_reported_by_row_and_nothing_is_kept(client: TestClient) -> None:
    r = post(client, BAD.encode(), apply=True, name="../../etc/passwd")
    assert r["valid"] is False
    assert r["applied"] is False
    issues = r["issues"]
    assert isinstance(issues, list)
    got = {(i["line"], i["field"]) for i in issues}
    assert {(2, "amount"), (3, "obligor"), (4, "confidence")} <= got  # the header is line 1
    rows = [i["line"] for i in issues if i["file"] == "passwd"]
    assert rows == sorted(rows, key=lambda r: -1 if r is None else r)  # in file order
    # the file name only labels messages, stripped of any directory part
    assert all(i["file"] == "passwd" for i in issues if i["line"] is not None)
    assert sorted(e["id"] for e in client.get("/api/web").json()["edges"]) == [
        "c1", "c2", "c3", "c4", "c5"]


def test_valid_table_is_only_checked_unless_applied(client: TestClient) -> None:
    r = post(client, GOOD.encode())
    assert (r["valid"], r["applied"], r["rows"], r["contracts"]) == (True, False, 2, 2)
    assert len(client.get("/api/web").json()["edges"]) == 5


def test_applied_table_replaces_the_web_until_reset(client: TestClient) -> None:
    post(client, GOOD.encode(), apply=True)
    g = client.get("/api/web").json()
    assert sorted(e["id"] for e in g["edges"]) == ["n1", "n2"]
    assert g["modified"] is True
    assert client.post("/api/web/reset").json() == {"modified": False}
    assert len(client.get("/api/web").json()["edges"]) == 5


def test_entities_table_is_checked_against_the_contracts(client: TestClient) -> None:
    body = b"id,name,kind,country\nnvidia,NVIDIA,chipmaker,US\n"
    r = post(client, body, table="entities")
    assert r["valid"] is False
    assert any(i["field"] in ("holder", "obligor") for i in r["issues"])  # type: ignore[union-attr]


def test_unknown_table_is_422(client: TestClient) -> None:
    r = client.post("/api/validate", data={"table": "../secrets"},
                    files={"file": ("x.csv", b"a\n1\n", "text/csv")})
    assert r.status_code == 422
    assert "table must be one of" in r.json()["detail"]


def test_missing_file_is_422(client: TestClient) -> None:
    assert client.post("/api/validate", data={"table": "contracts"}).status_code == 422


@pytest.mark.parametrize(("body", "rule"), [
    (b"\xff\xfe\x00bad", "must be UTF-8 text"),
    (b"", "must name the columns on line 1"),
    (b"a,b\n1,2,3\n", "more fields than the header"),
    (b'a,b\n"1,2\n', "must be valid CSV"),
])
def test_unreadable_csv_is_one_file_issue(body: bytes, rule: str) -> None:
    with pytest.raises(DataError) as info:
        csv_rows(body, "up.csv")
    assert rule in str(info.value)


def test_row_cap() -> None:
    with pytest.raises(DataError, match="at most 2 data rows"):
        csv_rows(b"a\n1\n2\n3\n", "up.csv", max_rows=2)
    assert csv_rows(b"\xef\xbb\xbfa\n1\n", "up.csv") == [{"a": "1"}]


def test_bad_upload_through_the_api_shows_the_file_issue(client: TestClient) -> None:
    r = post(client, b"\xff\xfe")
    assert r["valid"] is False
    assert r["issues"][0]["rule"] == "must be UTF-8 text"  # type: ignore[index]


LEGS_HEADER = ("deal_id,date,deal,from,to,leg_type,usd_bn,leg_note,headline_usd_bn,headline_note,"
               "bis_category,status,confidence,in_totals,sources,origin\n")


def test_deal_legs_are_added_to_the_web_with_notes(client: TestClient) -> None:
    body = LEGS_HEADER + (
        "d1,2025-10-01,Deal one,Microsoft,OpenAI,investment,10,,10,,x,closed,medium,1,"
        "https://example.org/a,test\n"
        "d1,2025-10-01,Deal one,OpenAI,Microsoft,purchase,,,10,,x,closed,medium,1,"
        "https://example.org/a,test\n")
    r = post(client, body.encode(), table="deal_legs", apply=True, name="legs.csv")
    assert r["valid"] is True
    assert r["contracts"] == 6
    notes = r["notes"]
    assert isinstance(notes, list)
    assert "without an amount were skipped" in notes[0]
    assert len(client.get("/api/web").json()["edges"]) == 6


def test_bad_deal_legs_name_row_and_column(client: TestClient) -> None:
    body = LEGS_HEADER + ("d1,2025-10-01,Deal,Microsoft,OpenAI,investment,-3,,,,x,closed,"
                          "medium,1,https://example.org/a,test\n")
    r = post(client, body.encode(), table="deal_legs", name="legs.csv")
    assert r["valid"] is False
    assert [(i["line"], i["field"]) for i in r["issues"]] == [(2, "usd_bn")]  # type: ignore[union-attr]

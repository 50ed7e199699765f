"""Run results (chunked, resumable) and imported series in the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bubblescope.model.errors import DataError, ScenarioError
from bubblescope.store.duckdb_store import Store, open_store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "s.duckdb")


def _frame(paths: range) -> pd.DataFrame:
    path = np.repeat(np.array(paths), 2)
    quarter = np.tile([1, 2], len(paths))
    return pd.DataFrame({
        "path": path, "quarter": quarter,
        "entity": pd.Categorical(["nvidia", "openai"] * len(paths)),
        "loss": path / 3.0 + quarter / 7.0,
    })


def test_a_frame_round_trips_exactly(store: Store) -> None:
    frame = _frame(range(3))
    info = store.save_result_frame("r1", "stress", {"scenario": "crash", "paths": 3}, frame)
    assert (info.status, info.chunks, info.n_rows) == ("complete", (0,), 6)
    assert info.params == {"paths": 3, "scenario": "crash"}
    pd.testing.assert_frame_equal(store.load_result_frame("r1"), frame)
    assert str(info) == "run r1 (stress): complete, 1 chunk(s), 6 rows"


def test_a_chunked_run_resumes_and_concatenates_in_chunk_order(store: Store) -> None:
    params = {"scenario": "crash", "seed": 7}
    store.save_result_frame("mc", "stress", params, _frame(range(2, 4)), chunk=1, complete=False)
    store.save_result_frame("mc", "stress", params, _frame(range(0, 2)), chunk=0, complete=False)
    assert store.has_run("mc")
    info = store.run_info("mc")
    assert (info.status, info.chunks) == ("running", (0, 1))
    with pytest.raises(ScenarioError, match="is running"):
        store.load_result_frame("mc")
    partial = store.load_result_frame("mc", require_complete=False)
    assert list(partial["path"].unique()) == [0, 1, 2, 3]
    # a chunk saved again (after a crash mid-chunk) replaces the old one
    store.save_result_frame("mc", "stress", params, _frame(range(2, 4)), chunk=1, complete=False)
    store.save_result_frame("mc", "stress", params, _frame(range(4, 6)), chunk=2)
    whole = store.load_result_frame("mc")
    pd.testing.assert_frame_equal(whole, _frame(range(6)), check_categorical=False)
    assert store.run_info("mc").status == "complete"


def test_resuming_with_other_params_or_into_a_complete_run_is_refused(store: Store) -> None:
    store.save_result_frame("r", "size", {"a": 1}, _frame(range(1)), complete=False)
    with pytest.raises(ScenarioError, match="use a new run id"):
        store.save_result_frame("r", "size", {"a": 2}, _frame(range(1)), chunk=1)
    with pytest.raises(ScenarioError, match="use a new run id"):
        store.save_result_frame("r", "signals", {"a": 1}, _frame(range(1)), chunk=1)
    store.mark_complete("r")
    with pytest.raises(ScenarioError, match="is complete"):
        store.save_result_frame("r", "size", {"a": 1}, _frame(range(1)), chunk=1)
    info = store.save_result_frame("r", "signals", {"b": 1}, _frame(range(4)), replace=True)
    assert (info.kind, info.params, info.n_rows, info.chunks) == ("signals", {"b": 1}, 8, (0,))


def test_unknown_runs_are_data_errors(store: Store) -> None:
    assert not store.has_run("nope")
    with pytest.raises(DataError, match="must name a stored run"):
        store.load_result_frame("nope")
    with pytest.raises(DataError, match="must name a stored run"):
        store.mark_complete("nope")


def test_list_runs_filters_by_kind(store: Store) -> None:
    store.save_result_frame("a", "stress", {}, _frame(range(1)))
    store.save_result_frame("b", "size", {}, _frame(range(1)))
    assert [r.run_id for r in store.list_runs()] == ["a", "b"]
    assert [r.run_id for r in store.list_runs("size")] == ["b"]


def test_an_indexed_frame_keeps_its_index(store: Store) -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0]}, index=pd.Index(["p", "q"], name="k"))
    store.save_result_frame("i", "size", {}, frame)
    pd.testing.assert_frame_equal(store.load_result_frame("i"), frame)


def test_series_round_trip_and_replace(store: Store) -> None:
    frame = pd.DataFrame({"date": ["2024-03-31", "2024-01-31"], "value": [2, 1]})
    assert store.save_series("gdp", frame, unit="USD bn", source="BEA") == 2
    loaded = store.load_series("gdp")
    assert list(loaded["value"]) == [1.0, 2.0]
    assert loaded["date"].iloc[0] == pd.Timestamp("2024-01-31")
    store.save_series("gdp", frame.iloc[:1])
    assert len(store.load_series("gdp")) == 1
    assert store.list_series() == ("gdp",)


def test_bad_series_are_data_errors(store: Store) -> None:
    with pytest.raises(DataError, match="is a required column"):
        store.save_series("x", pd.DataFrame({"when": [1]}))
    with pytest.raises(DataError, match="must be dates"):
        store.save_series("x", pd.DataFrame({"date": ["2024-01-01", "soon"], "value": [1, 2]}))
    with pytest.raises(DataError, match="must name a stored series"):
        store.load_series("x")


def test_the_store_package_exports_lazily() -> None:
    import bubblescope.store as package

    assert package.open_store is open_store
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        package.nothing  # noqa: B018

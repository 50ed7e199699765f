"""Fixtures of the crash-engine tests: a small web that exercises every channel."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import strategies as st

from bubblescope.model import Web, build_web

AS_OF = dt.date(2025, 12, 31)

# ------------------------------------------------- fused kernels against their numpy twins

#: Ordinary values for a kernel's inputs, and those plus the values IEEE arithmetic treats
#: apart (signed zeros, infinities, NaN, a tiny number).
FINITE = st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False)
ANY = st.one_of(FINITE, st.sampled_from([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300]))


def floats(data: st.DataObject, shape: tuple[int, ...], values: st.SearchStrategy[float] = ANY
           ) -> np.ndarray:
    """A float64 array of ``shape`` drawn element by element from ``values``."""
    size = int(np.prod(shape))
    return np.array(data.draw(st.lists(values, min_size=size, max_size=size)),
                    dtype=np.float64).reshape(shape)


def same_array(a: np.ndarray, b: np.ndarray, *, layout: bool = False) -> None:
    """``a`` and ``b`` equal byte for byte (a NaN equals a NaN whatever its sign bit);
    with ``layout``, both C-contiguous or neither (later numpy sums add in an order that
    depends on the layout)."""
    assert a.shape == b.shape
    assert a.dtype == b.dtype
    if layout:
        assert a.flags.c_contiguous == b.flags.c_contiguous
    if a.dtype.kind in "bi":
        assert (a == b).all()
        return
    nan = np.isnan(a)
    assert (nan == np.isnan(b)).all()
    assert np.where(nan, 0.0, a).tobytes() == np.where(nan, 0.0, b).tobytes()


def same(fast: tuple[np.ndarray, ...], ref: tuple[np.ndarray, ...], *,
         layout: bool = False) -> None:
    """:func:`same_array` for each pair of a kernel's outputs and its twin's."""
    assert len(fast) == len(ref)
    for a, b in zip(fast, ref, strict=True):
        same_array(a, b, layout=layout)


def toy_tables() -> dict[str, list[dict[str, str]]]:
    """Rows of a web with a lab, a cloud, a neocloud, a chipmaker, an SPV and holders."""
    sources = [{"id": "a", "kind": "assumption", "citation": "tests", "quote": "",
                "date": "", "note": "toy"}]
    ents = [("nvidia", "chipmaker"), ("lab", "ai_lab"), ("cloud", "hyperscaler"),
            ("neo", "neocloud"), ("spv", "spv"), ("bank", "bank"), ("ins", "life_insurer"),
            ("pc", "private_credit_fund"), ("mf", "mutual_fund"), ("hh", "household"),
            ("agg", "other")]
    entities = [{"id": i, "name": i, "kind": k, "country": "US"} for i, k in ents]
    fig = {"nvidia": {"revenue": 130, "cash": 40, "operating_cost": 60, "market_cap": 4000,
                      "capex": 5, "ai_revenue": 110},
           "lab": {"revenue": 10, "cash": 15, "operating_cost": 20, "market_cap": 300},
           "cloud": {"revenue": 250, "cash": 60, "operating_cost": 150, "market_cap": 3000,
                     "capex": 80, "debt": 40},
           "neo": {"revenue": 5, "cash": 2, "operating_cost": 3, "market_cap": 50,
                   "capex": 10, "debt": 14},
           "bank": {"total_assets": 20000, "equity": 2000, "cash": 500},
           "ins": {"total_assets": 9000, "equity": 600, "cash": 100},
           "agg": {"capex": 500, "debt": 1200}}
    figures = [{"entity_id": e, "metric": m, "year": "2025", "value": str(v),
                "confidence": "medium", "source_ids": "a"}
               for e, ms in fig.items() for m, v in ms.items()]

    def c(i: str, kind: str, holder: str, obligor: str, amount: float, **x: str) -> dict[str, str]:
        return {"id": i, "kind": kind, "holder": holder, "obligor": obligor,
                "amount": str(amount), "status": x.pop("status", "closed"),
                "confidence": "medium", "source_ids": "a", **x}

    contracts = [
        c("nv_lab_eq", "equity_stake", "nvidia", "lab", 50),
        c("nv_lab_eq2", "equity_stake", "nvidia", "lab", 20, start="2026-06-30"),
        c("cloud_lab", "compute_commitment", "cloud", "lab", 100, annual_payment="20",
          maturity="2030-12-31"),
        c("nv_cloud", "customer_revenue", "nvidia", "cloud", 30),
        c("spv_lease", "lease", "spv", "cloud", 45, annual_payment="3", maturity="2040-12-31"),
        c("abs_sen", "abs_note", "ins", "spv", 20, tranche="senior", rate="0.06",
          maturity="2045-12-31"),
        c("abs_mez", "abs_note", "mf", "spv", 5, tranche="mezzanine", rate="0.08",
          maturity="2045-12-31"),
        c("abs_eq", "abs_note", "pc", "spv", 2, tranche="equity", maturity="2045-12-31"),
        c("rvg", "guarantee", "spv", "cloud", 20),
        c("bank_neo", "loan", "bank", "neo", 6, rate="0.08", maturity="2026-06-30"),
        c("pc_neo_gpu", "gpu_backed_loan", "pc", "neo", 8, rate="0.11", ltv="0.7",
          maturity="2029-12-31"),
        c("ins_cloud_bond", "bond", "ins", "cloud", 15, rate="0.05", maturity="2032-12-31"),
        c("hh_pc", "fund_share", "hh", "pc", 10),
        c("mf_cloud_eq", "equity_stake", "mf", "cloud", 100),
        c("neo_lab", "compute_commitment", "neo", "lab", 20, annual_payment="4",
          maturity="2030-12-31"),
        c("old", "loan", "bank", "lab", 3, status="superseded"),
    ]
    return {"sources": sources, "entities": entities, "figures": figures,
            "contracts": contracts}


@pytest.fixture(scope="session")
def toy_web() -> Web:
    """The toy web of :func:`toy_tables`."""
    return build_web("toy", AS_OF, toy_tables())

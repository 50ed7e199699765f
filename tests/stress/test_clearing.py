"""Clearing: hand-made seniority examples, invariants over random networks, fast == reference."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bubblescope.model._typing import FloatArray, IntArray
from bubblescope.model.errors import ConvergenceError, ScenarioError
from bubblescope.stress.kernels.clearing import ClearingResult, clear, clear_reference

TOL = 1e-9


@dataclass(frozen=True)
class Net:
    obligor: IntArray
    holder: IntArray
    due: FloatArray
    rank: IntArray
    n: int

    def run(self, e: FloatArray, **kw: float) -> ClearingResult:
        return clear(self.obligor, self.holder, self.due, self.rank, e, self.n, **kw)

    def ref(self, e: FloatArray, **kw: float) -> ClearingResult:
        return clear_reference(self.obligor, self.holder, self.due, self.rank, e, self.n, **kw)

    @property
    def pbar(self) -> FloatArray:
        return np.bincount(self.obligor, weights=self.due, minlength=self.n)


def net(rows: list[tuple[int, int, float, int]], n: int) -> Net:
    o, h, d, r = zip(*rows, strict=True)
    return Net(np.array(o), np.array(h), np.array(d, dtype=float), np.array(r), n)


def random_net(seed: int) -> tuple[Net, FloatArray]:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 7))
    m = int(rng.integers(1, 14))
    obligor = rng.integers(0, n, m)
    holder = rng.integers(-1, n - 1, m)
    holder = np.where(holder >= obligor, holder + 1, holder)  # never the obligor itself
    holder = np.where(holder >= n, -1, holder)
    due = rng.uniform(0.0, 3.0, m) * (rng.random(m) > 0.1)
    rank = rng.integers(0, 3, m)
    e = rng.uniform(0.0, 3.0, (3, n))
    return Net(obligor, holder, due, rank, n), e


# ------------------------------------------------------------ hand-made seniority examples


def test_senior_class_paid_before_junior() -> None:
    # Entity 0 owes 10 senior (outside creditor) and 10 junior (to entity 1); it has 15.
    nw = net([(0, -1, 10.0, 0), (0, 1, 10.0, 1)], 2)
    r = nw.run(np.array([[15.0, 0.0]]))
    np.testing.assert_allclose(r.payments[0], [10.0, 5.0])
    assert r.defaulted[0].tolist() == [True, False]
    assert r.equity[0].tolist() == [-5.0, 5.0]


def test_pari_passu_within_a_class_and_nothing_to_junior() -> None:
    # Senior class: 6 to entity 1 and 4 to entity 2; junior 10 outside; entity 0 has 5.
    nw = net([(0, 1, 6.0, 0), (0, 2, 4.0, 0), (0, -1, 10.0, 1)], 3)
    r = nw.run(np.array([[5.0, 0.0, 0.0]]))
    np.testing.assert_allclose(r.payments[0], [3.0, 2.0, 0.0])
    np.testing.assert_allclose(r.received[0], [0.0, 3.0, 2.0])


def test_seniority_propagates_down_a_chain() -> None:
    # 0 (e=4) owes 1 senior 2 and outside junior 4; 1 (e=1) owes outside 5.
    nw = net([(0, 1, 2.0, 0), (0, -1, 4.0, 1), (1, -1, 5.0, 0)], 2)
    r = nw.run(np.array([[4.0, 1.0]]))
    np.testing.assert_allclose(r.payments[0], [2.0, 2.0, 3.0])
    assert r.default_round[0].tolist() == [1, 1]


def test_default_costs_hit_the_junior_class_first() -> None:
    # Entity 0 (e=10) owes 8 senior outside and 6 junior to 1; alpha = 0.5 leaves 5.
    nw = net([(0, -1, 8.0, 0), (0, 1, 6.0, 1)], 2)
    r = nw.run(np.array([[10.0, 0.0]]), alpha=0.5)
    np.testing.assert_allclose(r.payments[0], [5.0, 0.0])
    np.testing.assert_allclose(r.equity[0], [-9.0, 0.0])


def test_rank_numbers_need_not_be_contiguous() -> None:
    a = net([(0, -1, 8.0, 0), (0, 1, 6.0, 1)], 2).run(np.array([[10.0, 0.0]]))
    b = net([(0, -1, 8.0, 3), (0, 1, 6.0, 7)], 2).run(np.array([[10.0, 0.0]]))
    np.testing.assert_allclose(a.payments, b.payments)


def test_due_per_path_equals_separate_runs() -> None:
    nw, e = random_net(7)
    rng = np.random.default_rng(1)
    dues = nw.due * rng.uniform(0.5, 1.5, (3, nw.due.size))
    batch = clear(nw.obligor, nw.holder, dues, nw.rank, e, nw.n)
    for p in range(3):
        one = clear(nw.obligor, nw.holder, dues[p], nw.rank, e[p : p + 1], nw.n)
        np.testing.assert_allclose(batch.payments[p], one.payments[0], atol=TOL)
        assert batch.default_round[p].tolist() == one.default_round[0].tolist()


def test_alpha_beta_per_entity_and_path() -> None:
    nw, e = random_net(11)
    alpha = np.linspace(0.3, 1.0, nw.n)
    beta = np.full((3, nw.n), 0.6)
    fast, slow = nw.run(e, alpha=alpha, beta=beta), nw.ref(e, alpha=alpha, beta=beta)
    np.testing.assert_allclose(fast.paid, slow.paid, atol=TOL)


def test_result_prints_a_summary() -> None:
    r = net([(0, 1, 2.0, 0)], 2).run(np.array([[1.0, 0.0], [3.0, 0.0]]))
    assert "2 path(s) x 2 entities" in str(r)
    assert r.n_defaults.tolist() == [1, 0]
    assert len(r.round_seconds) == r.rounds == 1


# ------------------------------------------------------------ invariants


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), alpha=st.floats(0.2, 1.0), beta=st.floats(0.2, 1.0))
def test_invariants(seed: int, alpha: float, beta: float) -> None:
    nw, e = random_net(seed)
    r = nw.run(e, alpha=alpha, beta=beta)
    pbar = nw.pbar
    # conservation: what obligors pay is what holders (inside or outside) receive
    np.testing.assert_allclose(r.payments.sum(axis=1), r.paid.sum(axis=1), atol=TOL)
    inside = nw.holder >= 0
    np.testing.assert_allclose(
        r.received.sum(axis=1), r.payments[:, inside].sum(axis=1), atol=TOL
    )
    # limited liability: no contract gets more than due, nobody pays more than it has
    assert np.all(r.payments <= nw.due + TOL)
    assert np.all(r.paid <= pbar + TOL)
    assert np.all(r.paid <= e + r.received + TOL)
    # the clearing equations: solvent pays all, a defaulter pays what it realises
    realised = alpha * e + beta * r.received
    np.testing.assert_allclose(
        r.paid, np.where(r.defaulted, np.minimum(pbar, realised), pbar), atol=TOL
    )
    assert np.all((r.equity >= -TOL) | r.defaulted)
    assert np.all(r.defaulted == (r.default_round > 0))
    _check_priority(nw, r)


def _check_priority(nw: Net, r: ClearingResult) -> None:
    """Pro rata inside a class; a junior class is paid only if all senior ones are in full."""
    for p in range(r.payments.shape[0]):
        for o in range(nw.n):
            for c in np.unique(nw.rank[nw.obligor == o]):
                mine = (nw.obligor == o) & (nw.rank == c) & (nw.due > 0)
                ratio = r.payments[p, mine] / nw.due[mine]
                assert ratio.size == 0 or np.ptp(ratio) <= TOL
                senior = (nw.obligor == o) & (nw.rank < c)
                if ratio.size and ratio[0] > TOL:
                    np.testing.assert_allclose(r.payments[p, senior], nw.due[senior], atol=TOL)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), alpha=st.floats(0.0, 1.0), beta=st.floats(0.0, 1.0))
def test_fast_equals_reference(seed: int, alpha: float, beta: float) -> None:
    nw, e = random_net(seed)
    fast, slow = nw.run(e, alpha=alpha, beta=beta), nw.ref(e, alpha=alpha, beta=beta)
    np.testing.assert_allclose(fast.payments, slow.payments, atol=TOL)
    np.testing.assert_allclose(fast.equity, slow.equity, atol=TOL)
    assert fast.default_round.tolist() == slow.default_round.tolist()
    assert fast.rounds == slow.rounds


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cut=st.floats(0.0, 1.0), alpha=st.floats(0.3, 1.0))
def test_more_shock_more_losses(seed: int, cut: float, alpha: float) -> None:
    nw, e = random_net(seed)
    mild, severe = nw.run(e, alpha=alpha), nw.run(e * cut, alpha=alpha)
    assert np.all(severe.paid <= mild.paid + TOL)
    assert np.all(severe.defaulted >= mild.defaulted)
    assert np.all(severe.equity <= mild.equity + TOL)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_zero_shock_no_default(seed: int) -> None:
    nw, _ = random_net(seed)
    e = np.tile(nw.pbar, (2, 1))  # enough outside assets to pay everything
    r = nw.run(e, alpha=0.5, beta=0.5)
    assert not r.defaulted.any()
    np.testing.assert_allclose(r.payments, np.tile(nw.due, (2, 1)))


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), perm_seed=st.integers(0, 1000))
def test_relabelling_changes_nothing(seed: int, perm_seed: int) -> None:
    nw, e = random_net(seed)
    perm = np.random.default_rng(perm_seed).permutation(nw.n)  # old label i -> perm[i]
    relabelled = Net(perm[nw.obligor], np.where(nw.holder >= 0, perm[nw.holder], -1),
                     nw.due, nw.rank, nw.n)
    e2 = np.empty_like(e)
    e2[:, perm] = e
    a, b = nw.run(e, alpha=0.7), relabelled.run(e2, alpha=0.7)
    np.testing.assert_allclose(b.paid[:, perm], a.paid, atol=TOL)
    np.testing.assert_allclose(b.payments, a.payments, atol=TOL)
    assert b.default_round[:, perm].tolist() == a.default_round.tolist()


# ------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"obligor": np.array([0, 5])}, "obligor"),
        ({"holder": np.array([0, 0])}, "no self-claims"),
        ({"holder": np.array([-2, 0])}, "holder"),
        ({"due": np.array([1.0, -1.0])}, "due"),
        ({"due": np.ones((3, 2))}, "due"),
        ({"rank": np.array([0, -1])}, "rank"),
        ({"external_assets": np.ones(2)}, "external_assets"),
        ({"external_assets": -np.ones((1, 2))}, "external_assets"),
        ({"obligor": np.array([0])}, "one length"),
        ({"alpha": 1.5}, "alpha"),
        ({"beta": np.ones(5)}, "beta"),
        ({"method": "picard"}, "method"),
    ],
)
def test_bad_input_names_the_field(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {
        "obligor": np.array([0, 1]), "holder": np.array([1, 0]), "due": np.array([1.0, 1.0]),
        "rank": np.array([0, 0]), "external_assets": np.zeros((1, 2)), "n_entities": 2,
    }
    args.update(kwargs)
    with pytest.raises(ScenarioError, match=match):
        clear(**args)  # type: ignore[arg-type]


def test_convergence_error_when_sweeps_run_out() -> None:
    nw = net([(0, 1, 2.0, 0), (1, 0, 2.0, 0), (1, -1, 1.0, 0)], 2)
    with pytest.raises(ConvergenceError, match="max_iter"):
        clear(nw.obligor, nw.holder, nw.due, nw.rank, np.array([[0.5, 0.1]]), 2, max_iter=1)
    with pytest.raises(ConvergenceError):
        clear_reference(nw.obligor, nw.holder, nw.due, nw.rank, np.array([[0.5, 0.1]]), 2,
                        max_iter=1)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), round_tol=st.sampled_from([1e-6, 1e-3, 1e-1]))
def test_loose_rounds_keep_the_clearing_vector(seed: int, round_tol: float) -> None:
    nw, e = random_net(seed)
    exact = nw.run(e, alpha=0.8, round_tol=0.0)
    loose = clear(nw.obligor, nw.holder, nw.due, nw.rank, e, nw.n, alpha=0.8,
                  round_tol=round_tol)
    np.testing.assert_allclose(loose.paid, exact.paid, atol=TOL)
    assert loose.defaulted.tolist() == exact.defaulted.tolist()
    # a loose round may postpone a default to a later label, never bring one forward
    assert np.all(loose.default_round >= exact.default_round)


@pytest.mark.parametrize("seed", range(8))
def test_default_round_tolerance_labels_like_exact_rounds(seed: int) -> None:
    # Not a theorem (a near-miss may be postponed), a check on fixed random networks that
    # the default round_tol is far inside the margins that decide a label.
    nw, e = random_net(seed)
    exact, default = nw.run(e, round_tol=0.0), nw.run(e)
    assert default.default_round.tolist() == exact.default_round.tolist()
    np.testing.assert_allclose(default.paid, exact.paid, atol=TOL)


def test_default_round_tolerance_on_a_long_cascade() -> None:
    # 2,000 entities, 20,000 contracts, 64 paths: cascades of ~10 rounds, as in the benchmark
    rng = np.random.default_rng(7)
    n, m = 2_000, 20_000
    obligor = rng.integers(0, n, m)
    holder = np.where(rng.random(m) < 0.2, -1, (obligor + rng.integers(1, n, m)) % n)
    due, rank = rng.lognormal(0.0, 1.0, m), rng.integers(0, 3, m)
    pbar = np.bincount(obligor, weights=due, minlength=n)
    claims = np.bincount(holder[holder >= 0], weights=due[holder >= 0], minlength=n)
    base = np.maximum(pbar * (1.0 + rng.uniform(0.05, 0.30, n)) - claims, 0.05 * pbar)
    hit = np.clip(rng.uniform(0.0, 0.5, (64, 1)) * rng.lognormal(0.0, 0.5, (64, n)), 0.0, 1.0)
    args = (obligor, holder, due, rank, base * (1.0 - hit), n)
    exact = clear(*args, alpha=0.9, beta=0.8, tol=1e-10, round_tol=0.0)
    default = clear(*args, alpha=0.9, beta=0.8, tol=1e-10)
    assert exact.rounds >= 8
    assert default.iterations < exact.iterations
    assert default.default_round.tolist() == exact.default_round.tolist()
    np.testing.assert_allclose(default.paid, exact.paid, atol=1e-7)


@pytest.mark.parametrize("bad", [-1e-6, float("nan"), float("inf")])
def test_round_tol_must_be_a_finite_non_negative_number(bad: float) -> None:
    nw, e = random_net(0)
    with pytest.raises(ScenarioError, match="'round_tol' must be a finite number >= 0"):
        nw.run(e, round_tol=bad)


def test_loose_rounds_on_a_cascade() -> None:
    # A chain 0 -> 1 -> 2 -> 3: each default pushes the next one over.
    nw = net([(0, 1, 4.0, 0), (1, 2, 4.0, 0), (2, 3, 4.0, 0), (3, -1, 4.0, 0)], 4)
    e = np.array([[1.0, 1.0, 1.0, 0.5]])
    exact, loose = nw.run(e), clear(nw.obligor, nw.holder, nw.due, nw.rank, e, 4,
                                    round_tol=1e-3)
    assert exact.default_round[0].tolist() == [1, 2, 3, 4]
    np.testing.assert_allclose(loose.paid, exact.paid, atol=TOL)


@pytest.mark.parametrize("cols", [[0, 2], [0, 1, 2], [1, 2]])
@pytest.mark.parametrize("per_path_due", [False, True])
def test_compiled_kernels_match_their_python_source(per_path_due: bool, cols: list[int]
                                                    ) -> None:
    # Runs the numba kernels' Python source (``py_func``) beside the compiled code:
    # the same loops, so a compiler surprise or a typing slip shows up here.
    import numba

    from bubblescope.stress.kernels.clearing import flat as c
    from bubblescope.stress.kernels.clearing.net import prepare

    nw, e = random_net(3)
    due = np.tile(nw.due, (3, 1)) * 0.9 if per_path_due else nw.due
    net_ = prepare(nw.obligor, nw.holder, due, nw.rank, e, nw.n, 0.7, 0.9)
    picked = np.array(cols)
    outputs = []
    for sweep, detect in ((c._sweep.py_func, c._detect.py_func), (c._sweep, c._detect)):
        state = c._State.start(net_)
        state.defaulted[:, 0] = True
        change = np.zeros(picked.size)
        hits = np.zeros((numba.get_num_threads(), picked.size), dtype=np.bool_)  # row per thread
        sweep(state.paid, net_.obligor, net_.group, net_.g_before, net_.g_inv, net_.due,
              net_.stride, net_.h_ptr, net_.h_order, state.ae, net_.beta, net_.pbar,
              state.defaulted, state.recv, change, True, picked, 2)
        detect(state.defaulted, state.rnd, net_.e, state.recv, net_.pbar, net_.stride, 0.0, 1,
               picked, hits)
        frac = np.empty((net_.g_obligor.size, 3))
        fractions = c._fractions.py_func if len(outputs) == 0 else c._fractions
        fractions(state.paid, net_.g_before, net_.g_due, net_.g_obligor, net_.stride, frac)
        pay = np.empty((3, nw.due.size))
        payments = c._contract_payments.py_func if len(outputs) == 0 else c._contract_payments
        payments(np.ascontiguousarray(frac.T), net_.group, net_.due, net_.stride, pay)
        outputs.append((state.paid, state.recv, change, state.rnd, hits.any(axis=0), frac, pay))
    for py, compiled in zip(*outputs, strict=True):
        np.testing.assert_allclose(py, compiled)


def test_concurrent_calls_from_threads_agree() -> None:
    # The engine may clear several chunks at once from worker threads.
    from concurrent.futures import ThreadPoolExecutor

    nw, e = random_net(5)
    base = nw.run(e, alpha=0.6)
    with ThreadPoolExecutor(4) as pool:
        outs = list(pool.map(lambda _: nw.run(e, alpha=0.6).paid, range(8)))
    for paid in outs:
        np.testing.assert_allclose(paid, base.paid)


def test_result_does_not_depend_on_the_thread_count() -> None:
    import numba

    nw, e = random_net(9)
    before = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = nw.run(e, alpha=0.7)
    finally:
        numba.set_num_threads(before)
    many = nw.run(e, alpha=0.7)
    assert one.paid.tobytes() == many.paid.tobytes()
    assert one.default_round.tolist() == many.default_round.tolist()


# ------------------------------------------------------------ blocked kernel


def _many_paths(seed: int, n_paths: int) -> tuple[Net, FloatArray]:
    """A random network with enough paths for several blocks (and a padded last one)."""
    nw, _ = random_net(seed)
    e = np.random.default_rng(seed).uniform(0.0, 3.0, (n_paths, nw.n))
    return nw, e


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), alpha=st.floats(0.0, 1.0), beta=st.floats(0.0, 1.0),
       per_path_due=st.booleans())
def test_blocked_equals_flat(seed: int, alpha: float, beta: float, per_path_due: bool) -> None:
    nw, e = _many_paths(seed, 70)
    due = nw.due * np.random.default_rng(seed).uniform(0.5, 1.5, (70, 1)) if per_path_due \
        else nw.due
    args = (nw.obligor, nw.holder, due, nw.rank, e, nw.n)
    fast = clear(*args, alpha=alpha, beta=beta, kernel="blocked")
    flat = clear(*args, alpha=alpha, beta=beta, kernel="flat")
    for name in ("payments", "paid", "received", "equity"):
        np.testing.assert_allclose(getattr(fast, name), getattr(flat, name), atol=TOL)
    assert fast.default_round.tolist() == flat.default_round.tolist()
    assert (fast.rounds, fast.iterations) == (flat.rounds, flat.iterations)
    assert len(fast.round_seconds) == fast.rounds


def test_blocked_loose_rounds_match_flat() -> None:
    nw, e = _many_paths(21, 40)
    args = (nw.obligor, nw.holder, nw.due, nw.rank, e, nw.n)
    fast = clear(*args, alpha=0.8, round_tol=1e-3)
    flat = clear(*args, alpha=0.8, round_tol=1e-3, kernel="flat")
    np.testing.assert_allclose(fast.paid, flat.paid, atol=TOL)
    assert fast.default_round.tolist() == flat.default_round.tolist()


def test_unknown_kernel_is_named() -> None:
    nw = net([(0, 1, 2.0, 0)], 2)
    with pytest.raises(ScenarioError, match="kernel"):
        clear(nw.obligor, nw.holder, nw.due, nw.rank, np.ones((1, 2)), 2,
              kernel="gpu")  # type: ignore[arg-type]


@pytest.mark.parametrize("per_path_due", [False, True])
def test_blocked_kernels_match_their_python_source(monkeypatch: pytest.MonkeyPatch,
                                                   per_path_due: bool) -> None:
    # Every compiled kernel of the blocked path swapped for its Python source (``py_func``):
    # the same loops run by the interpreter, so a compiler surprise or a typing slip shows.
    import numba

    from bubblescope.stress.kernels.clearing import blocks as cb

    nw, e = _many_paths(4, 40)
    due = np.tile(nw.due, (40, 1)) * 0.9 if per_path_due else nw.due
    args = (nw.obligor, nw.holder, due, nw.rank, e, nw.n)
    compiled = clear(*args, alpha=0.7, beta=0.9)
    for name in dir(cb):
        kernel = getattr(cb, name)
        if isinstance(kernel, numba.core.registry.CPUDispatcher):
            monkeypatch.setattr(cb, name, kernel.py_func)
    python = clear(*args, alpha=0.7, beta=0.9)
    for field in ("payments", "paid", "received", "equity"):
        np.testing.assert_allclose(getattr(python, field), getattr(compiled, field))
    assert python.default_round.tolist() == compiled.default_round.tolist()

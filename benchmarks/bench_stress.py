"""Crash-engine benchmark: the default web over 24 quarters, one path and 10,000 paths.

Run as ``.venv/bin/python -m benchmarks.bench_stress`` (``--paths N`` for a smaller try);
writes ``docs/benchmarks/stress.md``. Targets (issue 4): one path < 0.2 s; 10,000 paths
< 20 s on 2 cores.

The 10,000 paths are the ``atlantic-crash`` preset with per-path equity shocks drawn
uniformly in [0, 0.9] and AI-revenue noise (volatility 0.3), run in chunks of 250 paths
(arrays of 0.6 MB near a core's L2 cache; 1,000-path chunks cost ~16% more CPU):
once in this process, once split over two worker processes (one chunk stream per core).
"""

from __future__ import annotations

import argparse
import dataclasses
import multiprocessing
import os
import platform
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import numba
import numpy as np

import bubblescope as bs
from bubblescope.stress import CompiledWeb, Scenario, compile_web, load_preset, run

OUT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks" / "stress.md"
CHUNK = 250
TARGET_ONE, TARGET_MANY = 0.2, 20.0


def chunk_scenario(base: Scenario, seed: int, size: int) -> Scenario:
    """``base`` with per-path equity shocks and revenue noise for one chunk of paths."""
    shocks = np.random.default_rng(seed).uniform(0.0, 0.9, size)
    return dataclasses.replace(base, equity_shock=tuple(float(x) for x in shocks),
                               revenue_volatility=0.3)


def run_chunks(seeds: list[int], size: int) -> tuple[float, float]:
    """Run one chunk per seed; return (seconds, mean defaults per path)."""
    web = compile_web(bs.load_default())
    base = load_preset("atlantic-crash")
    t0, defaults = time.perf_counter(), []
    for seed in seeds:
        r = run(web, chunk_scenario(base, seed, size), n_paths=size,
                rng=np.random.default_rng(seed))
        defaults.append(float(r.n_defaults.mean()))
    return time.perf_counter() - t0, float(np.mean(defaults))


def _one_thread() -> None:
    numba.set_num_threads(1)  # one worker per core: no oversubscription


def one_path(web: CompiledWeb, repeats: int = 5) -> list[float]:
    """Wall time of single-path runs of each preset (after a warm-up run)."""
    run(web, "atlantic-crash")
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run(web, "atlantic-crash")
        times.append(time.perf_counter() - t0)
    return times


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and write docs/benchmarks/stress.md."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--paths", type=int, default=10_000)
    args = ap.parse_args(argv if argv is not None else [])
    size = min(CHUNK, args.paths)
    seeds = list(range(max(args.paths // size, 1)))
    web = compile_web(bs.load_default())
    t0 = time.perf_counter()
    compile_web(bs.load_default())
    compile_s = time.perf_counter() - t0
    ones = one_path(web)
    run_chunks(seeds[:1], 16)  # warm the kernels
    serial_s, mean_defaults = run_chunks(seeds, size)
    halves = [h for h in (seeds[0::2], seeds[1::2]) if h]
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(2, mp_context=ctx, initializer=_one_thread) as pool:
        list(pool.map(run_chunks, [seeds[:1]], [16]))  # start and warm the workers
        t0 = time.perf_counter()
        list(pool.map(run_chunks, halves, [size] * len(halves)))
        parallel_s = time.perf_counter() - t0
    n = len(seeds) * size
    text = _report(web, compile_s, ones, n, size, serial_s, parallel_s, mean_defaults)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(text)


def _report(web: CompiledWeb, compile_s: float, ones: list[float], n: int, size: int,
            serial_s: float, parallel_s: float, mean_defaults: float) -> str:
    best = min(ones)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"""# Crash-engine benchmark

Command: `.venv/bin/python -m benchmarks.bench_stress`
Date: {datetime.now(UTC):%Y-%m-%d %H:%M} UTC
Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()},
load average at the end {load:.1f} (the machine is shared; times are wall clock).

Web: default, {web.n} entities, {web.m} contracts (synthetic ones included); 24 quarters.

| measure | result | target | ratio to target |
|---|---|---|---|
| compile the default web | {compile_s:.3f} s | - | - |
| one path, `atlantic-crash` (best of {len(ones)}) | {best:.3f} s | < {TARGET_ONE} s \
| {best / TARGET_ONE:.2f} |
| one path, median | {float(np.median(ones)):.3f} s | - | - |
| {n:,} paths, one process, chunks of {size:,} | {serial_s:.1f} s | < {TARGET_MANY:g} s \
| {serial_s / TARGET_MANY:.2f} |
| {n:,} paths, two processes | {parallel_s:.1f} s | < {TARGET_MANY:g} s \
| {parallel_s / TARGET_MANY:.2f} |

Throughput: {n / serial_s:,.0f} paths/s in one process, {n / parallel_s:,.0f} paths/s on two.
Speed-up of two processes over one: {serial_s / parallel_s:.2f}x.
Mean defaults per path in the batch: {mean_defaults:.2f}.

The paths draw equity shocks uniformly in [0, 0.9] and AI-revenue noise (volatility 0.3) on
top of `atlantic-crash`. Most of the time of a large batch is the clearing kernel
(Eisenberg-Noe by fictitious default, `stress/kernels/clearing/`), called once a quarter on the
paths where some entity cannot pay from its own outside assets (on the others full payment
is the clearing vector and the engine skips the kernel). Batches under 256 paths run the
kernel on one numba thread (thread start-up costs more than it saves); each of the two
worker processes runs on one thread.
"""


if __name__ == "__main__":
    main()

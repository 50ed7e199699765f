"""Before/after speed of the crash engine: two source trees timed alternately in one run.

The machine is shared, so absolute times move with the load; ratios of runs taken back to
back are what this reports. Each case runs in a fresh interpreter with ``PYTHONPATH`` set to
one tree's ``src`` (``git archive`` snapshots, so nothing of a worktree leaks in), after a
warm-up in that process (imports, numba caches). CPU time is the process's own
(``time.process_time``: every thread, BLAS threads included) over the timed section only.

Run as::

    .venv/bin/python -m benchmarks.bench_ab BEFORE_SRC AFTER_SRC [--rounds 2]

Cases: a Monte Carlo of the default web (atlantic-crash, data uncertainty, 2,000 paths in
chunks of 250, local backend, BLAS threads as the user has them) and one path of a
synthetic 3,000-entity web (30,000 contracts, 24 quarters). Prints one line per run and
the ratios of the medians; nothing is written.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

MC = """
import json, time, numpy as np, bubblescope as bs
from bubblescope.stress.compile import compile_web
from bubblescope.stress.scenario import load_preset
from bubblescope.stress.uncertainty.distributions import DEFAULT_UNCERTAIN, parse_uncertainty
from bubblescope.stress.uncertainty.montecarlo import engine_model, run_montecarlo
cw = compile_web(bs.load_default()); unc = parse_uncertainty(DEFAULT_UNCERTAIN)
model = engine_model(cw, load_preset("atlantic-crash"), unc)
run_montecarlo(model, unc, 250, seed=0)
c, w = time.process_time(), time.perf_counter()
r = run_montecarlo(model, unc, {paths}, seed=1, chunk_size=250)
print(json.dumps({{"cpu": time.process_time() - c, "wall": time.perf_counter() - w,
                  "check": float(np.sum(r.outcome.system_loss))}}))
"""

SYNTH = """
import json, time, numpy as np
from bubblescope._testing.synthetic import SyntheticSpec, synthetic_compiled
from bubblescope.stress.engine import simulate
from bubblescope.stress.scenario import Scenario
warm = synthetic_compiled(SyntheticSpec(100, 1000), np.random.default_rng(1))
simulate(warm, Scenario("warm", quarters=24), np.zeros((1, 24)))
web = synthetic_compiled(SyntheticSpec({n}, {m}), np.random.default_rng(2025))
c, w = time.process_time(), time.perf_counter()
res = simulate(web, Scenario("scale", quarters=24, ai_revenue_shock=0.3), np.zeros((1, 24)))
print(json.dumps({{"cpu": time.process_time() - c, "wall": time.perf_counter() - w,
                  "check": int(res.n_defaults[0])}}))
"""


def one(src: str, code: str) -> dict[str, float]:
    """Run ``code`` in a fresh interpreter importing bubblescope from ``src``."""
    env = {**os.environ, "PYTHONPATH": src}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=3600, check=False)
    if done.returncode != 0:  # recorded, not hidden (e.g. MemoryError of a dense matrix)
        return {"error": float(done.returncode)}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def main(argv: list[str] | None = None) -> None:
    """Time both trees on each case, alternating, and print the ratios."""
    parser = argparse.ArgumentParser(prog="bench_ab")
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--paths", type=int, default=2000)
    parser.add_argument("--entities", type=int, default=3000)
    args = parser.parse_args(argv)
    cases = {
        f"Monte Carlo {args.paths} paths": MC.format(paths=args.paths),
        f"synthetic {args.entities:,} entities, 1 path":
            SYNTH.format(n=args.entities, m=10 * args.entities),
    }
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    for name, code in cases.items():
        runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
        for r in range(args.rounds):
            for label, src in (("before", args.before), ("after", args.after)):
                got = one(str(src.resolve()), code)
                runs[label].append(got)
                print(f"{name} | {label} | round {r + 1} | {got}", flush=True)
        ok = {k: [x for x in v if "error" not in x] for k, v in runs.items()}
        if not all(ok.values()):
            print(f"{name}: a tree failed every round; no ratio", flush=True)
            continue
        med = {k: {f: statistics.median(x[f] for x in v) for f in ("cpu", "wall")}
               for k, v in ok.items()}
        print(f"{name}: median CPU {med['before']['cpu']:.2f} s -> {med['after']['cpu']:.2f} s"
              f" ({med['before']['cpu'] / med['after']['cpu']:.2f}x); median wall "
              f"{med['before']['wall']:.2f} s -> {med['after']['wall']:.2f} s "
              f"({med['before']['wall'] / med['after']['wall']:.2f}x)", flush=True)
        checks = {k: {x["check"] for x in v} for k, v in ok.items()}
        if checks["before"] != checks["after"]:
            print(f"{name}: WARNING the trees compute different results (check "
                  f"{sorted(checks['before'])} vs {sorted(checks['after'])}): the ratio "
                  "compares different work", flush=True)
    print(f"load average at end: {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()

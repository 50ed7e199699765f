"""Run every benchmark: ``python -m benchmarks [NAME ...]`` (names: signals, clearing, stress,
scale, dashboard). Each writes its results to docs/benchmarks/<name>.md."""

from __future__ import annotations

import importlib
import sys

NAMES = ("signals", "clearing", "stress", "scale", "dashboard")


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all when none are named)."""
    for name in argv or NAMES:
        if name not in NAMES:
            print(f"unknown benchmark {name!r}; choose from {', '.join(NAMES)}", file=sys.stderr)
            return 2
        print(f"== {name}", flush=True)
        importlib.import_module(f"benchmarks.bench_{name}").main([])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

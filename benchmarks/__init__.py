"""Speed and scale benchmarks; results in docs/benchmarks.md."""

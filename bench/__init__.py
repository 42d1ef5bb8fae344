"""Benchmark harness of issue 4 (performance and scale): ``python -m bench [--quick]``; see bench/README.md."""

"""The benchmark: a project generator and a runner; see benchmarks/README.rst."""

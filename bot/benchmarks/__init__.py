"""Benchmarks run with ``python -m bot bench-<name>``; their figures and commands are in the docs."""

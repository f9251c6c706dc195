"""Benchmarks: `python -m benchmarks.<name>` prints a table of timings and sizes."""

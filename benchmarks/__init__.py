"""Benchmarks: each ``bench_*.py`` module has ``main() -> None`` that prints its figures."""

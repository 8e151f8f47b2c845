"""Benchmarks of lcs-tui: start-up, key response and network calls.

Run from the repository root as modules, e.g. `.venv/bin/python -m bench.startup`;
`--quick` runs a few iterations (the smoke test in tests/bench uses it). The
figures and what each one measures are in docs/benchmarks.md.
"""

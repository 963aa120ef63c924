"""Benchmarks: each prints ratios measured side by side in one run (``python -m benchmarks.NAME``)
and writes its numbers with ``--json``."""

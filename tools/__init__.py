"""Repository tooling, not part of the installed library: ``python -m tools.report`` writes
and checks the generated tables of the README and ``docs/``; ``python -m tools.notebooks``
re-runs the notebooks in place."""

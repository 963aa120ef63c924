"""The generated tables, one declarative `spec.Table` each, grouped by what they show:
`studies` (trained runs and the studies on them), `thesis` (the thesis' flow), `chip` (Loihi,
efficiency, NIR) and `benchmarks` (the benchmarks and the tooling)."""

from . import benchmarks, chip, ood, spinnaker, studies, thesis

TABLES = {
    t.name: t
    for t in (
        *studies.TABLES,
        *thesis.TABLES,
        *chip.TABLES,
        *benchmarks.TABLES,
        *ood.TABLES,
        *spinnaker.TABLES,
    )
}
"""Registry: table name -> `spec.Table`, which is called as ``TABLES[name](results_dir)`` and
returns Markdown."""

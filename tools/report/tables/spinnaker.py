"""The tables of the network on SpiNNaker: PyNN's simulation against the executor on the test
images (``spinnaker.json``), and sPyNNaker's mapping on a virtual board
(``spinnaker_board.json``), both written by ``bash scripts/spinnaker-check.sh``."""

from ..spec import Table, each, pct


def _run(r):
    return f"`{r.path.parent.relative_to(r.root)}`"


def _settings(s):
    return f"{s['steps']} / {s['threshold_scale']:g} / {s['input_rate']:g} Hz"


SPINNAKER = Table(
    "spinnaker",
    each("spinnaker/*/spinnaker.json"),
    (
        ("run", _run),
        ("steps / threshold scale / input rate", "settings", _settings),
        ("images (split)", lambda r: f"{r['n_images']:,} {r['split']}"),
        ("PyNN (Brian 2) %", "pynn_brian2.accuracy", pct),
        ("executor, same semantics %", "executor.accuracy", pct),
        ("same predictions %", "pynn_brian2.agreement", pct),
        ("same hidden spike counts %", "pynn_brian2.hidden_counts_equal", pct),
        ("executor, SpiNNaker's step %", "executor_spinnaker.accuracy", pct),
        ("hidden spikes per image", "pynn_brian2.hidden_spikes_per_image", "{:.1f}"),
        ("input spikes per image", "pynn_brian2.input_spikes_per_image", "{:,.0f}"),
        ("synaptic events per image", "pynn_brian2.synaptic_events_per_image", "{:,.0f}"),
        (
            "zero-skipping ANN MACs per image, same weights",
            "ann.zero_skip_macs_per_image",
            "{:,.0f}",
        ),
        ("Brian 2 s", "seconds.brian2", "{:.0f}"),
    ),
    keep=lambda r: "pynn_brian2" in r,
    placeholder="(run bash scripts/spinnaker-check.sh)",
    rows_required=True,
)
"""PyNN's Brian 2 simulation of the SpiNNaker model against the executor, on test images."""


def _board_rows(files):
    for r in files:
        for name, pop in r["populations"].items():
            yield r, name, pop


def _kb(n):
    return "–" if n is None else f"{n / 1024:,.1f}"


SPINNAKER_BOARD = Table(
    "spinnaker_board",
    each("spinnaker/*/spinnaker_board.json"),
    (
        ("run", lambda row: _run(row[0])),
        ("population", lambda row: row[1]),
        ("neurons", lambda row: row[2]["neurons"]),
        ("cores / chips", lambda row: f"{row[2]['cores']} / {row[2]['chips']}"),
        ("SDRAM kB", lambda row: _kb(row[2]["sdram_bytes"])),
        ("synaptic matrix kB", lambda row: _kb(row[2].get("synaptic_matrix_bytes"))),
        (
            "routing entries (all chips)",
            lambda row: row[0]["routing"]["entries"] if row[1] == "input" else "",
        ),
        (
            "machine time steps per image (1 ms)",
            lambda row: row[0]["steps_per_image"] if row[1] == "input" else "",
        ),
        (
            "board (chips)",
            lambda row: (
                f"{row[0]['target']} ({row[0]['machine']['chips']})" if row[1] == "input" else ""
            ),
        ),
    ),
    rows=_board_rows,
    placeholder="(run bash scripts/spinnaker-check.sh)",
    rows_required=True,
)
"""sPyNNaker's figures of the mapped model, per population."""

TABLES = (SPINNAKER, SPINNAKER_BOARD)

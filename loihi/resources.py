"""Chip resources of a built nengo-loihi model, against nengo-loihi's per-core limits.

All figures come from nengo-loihi itself: each block's ``utilization()`` (the
same numbers its validation checks against ``MAX_COMPARTMENTS``,
``MAX_IN_AXONS``, ``MAX_OUT_AXONS`` and ``MAX_SYNAPSE_BITS``), and the number of
cores its ``Greedy`` allocator places the blocks on (one block per core).
"""

KEYS = {
    "compartments": "compartments",
    "in-axons": "in_axons",
    "out-axons": "out_axons",
    "synapses": "synapse_bits",
}


def resources(model):
    """Resources of ``model`` (a built ``nengo_loihi.builder.Model``).

    Returns
    -------
    dict
        ``blocks``: per block its label and, for each resource, ``used``, ``limit``
        and ``fraction``; ``totals``: the sums over blocks plus ``cores`` and
        ``chips`` from nengo-loihi's Greedy allocator; ``limits``: the per-core
        limits.
    """
    from nengo_loihi.hardware.allocators import Greedy

    blocks, totals, limits = [], {v: 0 for v in KEYS.values()}, {}
    for block in model.blocks:
        row = {"label": str(block.label)}
        for key, (used, limit) in block.utilization().items():
            name = KEYS[key]
            row[name] = {"used": int(used), "limit": int(limit), "fraction": used / limit}
            totals[name] += int(used)
            limits[name] = int(limit)
        blocks.append(row)
    board = Greedy()(model, n_chips=1)
    totals["cores"] = sum(chip.n_cores for chip in board.chips)
    totals["chips"] = board.n_chips
    return {"blocks": blocks, "totals": totals, "limits": limits}

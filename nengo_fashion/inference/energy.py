"""An energy estimate per inference on Loihi, beside the same style of estimate for
the ANN baselines. **An estimate, not a measurement.**

Loihi (Davies et al., "Loihi: A Neuromorphic Manycore Processor with On-Chip
Learning", IEEE Micro 38(1), 2018):

* ``E_SYNOP`` = 23.6 pJ per synaptic spike operation;
* ``E_NEURON`` = 81 pJ per neuron (compartment) update.

Counted per image (`nengo_fashion.inference.synops.count`): synaptic operations =
each input spike times the non-zero hidden synapses it reaches (128 in a dense
network) + each hidden spike times the non-zero output synapses it reaches (10;
counted at Loihi's cost although the output layer runs on the host here), neuron
updates = compartments x timesteps. Left out: static/idle power, spike routing
between cores, the host's input encoding and I/O.

23.6 pJ per synop is the figure Davies et al. give for a synaptic spike
operation. keras-spiking's ``ModelEnergy`` uses 27.1 pJ for Loihi (23.6 pJ plus
3.5 pJ for the spike's routing, its "synop energy" including the NoC): this
estimate leaves routing out, as it does the host and I/O, and says so.

The ANN baselines (`nengo_fashion.inference.synops.ann_macs`: the dense network,
and a network that skips zero inputs, zero hidden activations and zero weights),
counted the same way (multiply-accumulates x energy per operation), with
Horowitz ("Computing's energy problem", ISSCC 2014, 45 nm) figures, per
multiply-accumulate (`ANN_COSTS`):

* fp32: 4.6 pJ for the operation (3.7 pJ multiply + 0.9 pJ add) and 5.0 pJ to
  read its 32-bit weight from a small (8 KB) SRAM (10 pJ per 64-bit read);
* int8: 0.23 pJ for the operation (0.2 pJ multiply + 0.03 pJ add) and 1.25 pJ
  to read its 8-bit weight from the same SRAM (a quarter of the 32-bit read: an
  assumption of this estimate, scaling the read with the bits read).

Each multiply-accumulate reads its weight once. Left out: DRAM traffic, the
reads of the activations, control, the index arithmetic a zero-skipping engine
needs, idle power, batching effects. Loihi's costs are those of a 14 nm chip and
the ANN's of 45 nm logic: the comparison is of orders of magnitude, as the
literature makes it, not of a few percent.
"""

from .synops import DENSE_MACS

E_SYNOP = 23.6e-12
"""Loihi: joules per synaptic operation (Davies et al. 2018)."""
E_NEURON = 81e-12
"""Loihi: joules per compartment update (Davies et al. 2018)."""
ANN_COSTS = {
    "fp32": {"mac_j": 4.6e-12, "weight_read_j": 5.0e-12},
    "int8": {"mac_j": 0.23e-12, "weight_read_j": 1.25e-12},
}
"""Joules per multiply-accumulate and per weight read (Horowitz 2014, 45 nm)."""
E_MAC_FP32 = ANN_COSTS["fp32"]["mac_j"]
E_SRAM_32 = ANN_COSTS["fp32"]["weight_read_j"]


def ann_energy_j(macs, precision):
    """Joules of ``macs`` multiply-accumulates at ``precision`` (``"fp32"`` or ``"int8"``)."""
    cost = ANN_COSTS[precision]
    return macs * (cost["mac_j"] + cost["weight_read_j"])


def loihi_energy_j(synops, neuron_updates):
    """Joules of ``synops`` synaptic operations and ``neuron_updates`` updates on Loihi."""
    return synops * E_SYNOP + neuron_updates * E_NEURON


def baselines(ann):
    """The ANN baselines' operations and energy per image.

    Parameters
    ----------
    ann : dict
        `nengo_fashion.inference.synops.ann_macs`'s result (or just
        ``dense_macs_per_image``).

    Returns
    -------
    dict
        ``{"dense_fp32": {"macs", "energy_j"}, "dense_int8": ..., "zero_skip_fp32": ...,
        "zero_skip_int8": ...}`` (the zero-skipping ones when ``ann`` counts them).
    """
    kinds = {"dense": ann.get("dense_macs_per_image", DENSE_MACS)}
    if "zero_skip_macs_per_image" in ann:
        kinds["zero_skip"] = ann["zero_skip_macs_per_image"]
    return {
        f"{kind}_{precision}": {"macs": macs, "energy_j": ann_energy_j(macs, precision)}
        for kind, macs in kinds.items()
        for precision in ANN_COSTS
    }


def estimate(*, synops, n_compartments, steps, ann=None):
    """Energy per image on Loihi and for the ANN baselines, in joules, with the counts.

    Parameters
    ----------
    synops : dict
        `nengo_fashion.inference.synops.count`'s result.
    n_compartments : int
        On-chip compartments updated every step.
    steps : int
        Timesteps per image.
    ann : dict, optional
        `nengo_fashion.inference.synops.ann_macs`'s result on the same weights and
        images; None: the dense baselines only.
    """
    updates = n_compartments * steps
    loihi_j = loihi_energy_j(synops["synops_per_image"], updates)
    base = baselines(ann or {})
    rate_j = base["dense_fp32"]["energy_j"]
    return {
        "loihi": {
            "energy_j": loihi_j,
            "synaptic_ops": synops["synops_per_image"],
            "neuron_updates": updates,
            "input_synaptic_ops": synops["input_synops_per_image"],
            "output_synaptic_ops": synops["hidden_synops_per_image"],
            "pj_per_synop": E_SYNOP * 1e12,
            "pj_per_neuron_update": E_NEURON * 1e12,
            "source": "Davies et al., IEEE Micro 38(1), 2018",
        },
        "rate_cpu_gpu": {
            "energy_j": rate_j,
            "macs": base["dense_fp32"]["macs"],
            "pj_per_mac": E_MAC_FP32 * 1e12,
            "pj_per_weight_read": E_SRAM_32 * 1e12,
            "source": "Horowitz, ISSCC 2014 (45 nm)",
        },
        "baselines": base,
        "costs_pj": {p: {k: v * 1e12 for k, v in c.items()} for p, c in ANN_COSTS.items()},
        "ratio_rate_over_loihi": rate_j / loihi_j if loihi_j else None,
        "note": "estimate from counted operations; excludes static power, routing, host, I/O",
    }

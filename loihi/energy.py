"""An energy estimate per inference on Loihi, beside the same style of estimate for
the rate network on a CPU or GPU. **An estimate, not a measurement.**

Loihi (Davies et al., "Loihi: A Neuromorphic Manycore Processor with On-Chip
Learning", IEEE Micro 38(1), 2018):

* ``E_SYNOP`` = 23.6 pJ per synaptic spike operation;
* ``E_NEURON`` = 81 pJ per neuron (compartment) update.

Counted per image (`nengo_fashion.inference.synops.count`): synaptic operations = input
spikes x 128 (each input spike reaches all 128 hidden compartments) + hidden
spikes x 10 (the output synapses, counted at Loihi's cost although the output
layer runs on the host here), neuron updates = compartments x timesteps. Left
out: static/idle power, spike routing between cores, the host's input encoding
and I/O.

23.6 pJ per synop is the figure Davies et al. give for a synaptic spike
operation. keras-spiking's ``ModelEnergy`` uses 27.1 pJ for Loihi (23.6 pJ plus
3.5 pJ for the spike's routing, its "synop energy" including the NoC): this
estimate leaves routing out, as it does the host and I/O, and says so.

Rate network, counted the same way (operations x energy per operation), with
Horowitz ("Computing's energy problem", ISSCC 2014, 45 nm) figures:

* ``E_MAC_FP32`` = 4.6 pJ per 32-bit float multiply-accumulate (3.7 + 0.9 pJ);
* ``E_SRAM_32`` = 5.0 pJ per 32-bit read from a small (8 KB) SRAM, one per weight.

Counted per image: 784 x 128 + 128 x 10 multiply-accumulates, each reading its
weight once. Left out: DRAM traffic, control, idle power, batching effects.
"""

from nengo_fashion.inference.synops import count as count_synops

E_SYNOP = 23.6e-12
E_NEURON = 81e-12
E_MAC_FP32 = 4.6e-12
E_SRAM_32 = 5.0e-12
N_HIDDEN, N_INPUT, N_OUTPUT = 128, 784, 10


def estimate(input_spikes_per_image, hidden_spikes_per_image, n_compartments, steps):
    """Energy per image on Loihi and for the rate network, in joules, with the counts.

    Parameters
    ----------
    input_spikes_per_image : float
        Spikes entering the chip per image (each fans out to 128 compartments).
    hidden_spikes_per_image : float
        Hidden spikes per image (each reaches the 10 output synapses).
    n_compartments : int
        On-chip compartments updated every step.
    steps : int
        Timesteps per image.
    """
    counted = count_synops(input_spikes_per_image, hidden_spikes_per_image, steps)
    synops = counted["synops_per_image"]
    updates = n_compartments * steps
    loihi_j = synops * E_SYNOP + updates * E_NEURON
    macs = N_INPUT * N_HIDDEN + N_HIDDEN * N_OUTPUT
    rate_j = macs * (E_MAC_FP32 + E_SRAM_32)
    return {
        "loihi": {
            "energy_j": loihi_j,
            "synaptic_ops": synops,
            "neuron_updates": updates,
            "input_synaptic_ops": counted["input_synops_per_image"],
            "output_synaptic_ops": counted["hidden_synops_per_image"],
            "hidden_spikes_off_chip": hidden_spikes_per_image,
            "pj_per_synop": E_SYNOP * 1e12,
            "pj_per_neuron_update": E_NEURON * 1e12,
            "source": "Davies et al., IEEE Micro 38(1), 2018",
        },
        "rate_cpu_gpu": {
            "energy_j": rate_j,
            "macs": macs,
            "pj_per_mac": E_MAC_FP32 * 1e12,
            "pj_per_weight_read": E_SRAM_32 * 1e12,
            "source": "Horowitz, ISSCC 2014 (45 nm)",
        },
        "ratio_rate_over_loihi": rate_j / loihi_j if loihi_j else None,
        "note": "estimate from counted operations; excludes static power, routing, host, I/O",
    }

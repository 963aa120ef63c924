"""The PyNN model of a `nengo_fashion.spinnaker.mapping.Plan`, for any PyNN backend.

`build` takes the backend module (``pyNN.brian2``, ``pyNN.spiNNaker``, ``pyNN.nest``...)
as an argument, so this module imports no simulator: the same function builds the model
for PyNN's software simulator and for sPyNNaker. The model::

    input: SpikeSourceArray (784)  --hidden_w, 1 ms-->  hidden: IF_curr_delta (128)
    hidden --output_w, 1 ms-->  output: IF_curr_delta (10, threshold never reached)

Each weight matrix is two ``FromListConnector`` projections, one per receptor: the
positive weights on ``excitatory``, the negative ones on ``inhibitory`` (negative, PyNN's
convention for current-based synapses); a weight quantised to 0 is no synapse.
"""

import dataclasses

import numpy as np

from .fixed import RECEPTORS
from .mapping import DT_MS


@dataclasses.dataclass
class Model:
    """The populations and projections `build` made (PyNN objects)."""

    input: object
    hidden: object
    output: object
    projections: dict  # {(layer, receptor): Projection}


def connection_list(weights, sign):
    """``(pre, post, weight, delay)`` rows of the weights of one sign, for a
    ``FromListConnector``: ``weights`` is ``(post, pre)``, as ``y = W @ x``."""
    post, pre = np.nonzero(np.sign(weights) == sign)
    rows = np.empty((len(pre), 4))
    rows[:, 0], rows[:, 1], rows[:, 2], rows[:, 3] = pre, post, weights[post, pre], DT_MS
    return rows


def build(sim, plan, spike_times, *, spinnaker=False):
    """Build the model of ``plan`` in the PyNN backend ``sim`` (after ``sim.setup``).

    Parameters
    ----------
    sim : module
        A PyNN backend, set up with a 1 ms time step.
    plan : nengo_fashion.spinnaker.mapping.Plan
    spike_times : list of numpy.ndarray
        The 784 input sources' spike times (ms), `nengo_fashion.spinnaker.mapping.spike_times`.
    spinnaker : bool
        ``sim`` is sPyNNaker: each population also gets sPyNNaker's
        ``max_expected_summed_weight`` (per receptor, from ``plan.shifts``), so that its
        fixed-point weights are the plan's (`nengo_fashion.spinnaker.fixed`).

    Returns
    -------
    Model
    """
    inp = sim.Population(
        len(spike_times), sim.SpikeSourceArray(spike_times=spike_times), label="input"
    )
    populations = {}
    for layer, weights, cell in (
        ("hidden", plan.hidden_w, plan.hidden_cell()),
        ("output", plan.output_w, plan.output_cell()),
    ):
        extra = {}
        if spinnaker:
            summed = [plan.shifts[layer][r]["max_summed_weight"] for r in RECEPTORS]
            extra["additional_parameters"] = {"max_expected_summed_weight": summed}
        populations[layer] = sim.Population(
            weights.shape[0], sim.IF_curr_delta(**cell), label=layer, **extra
        )
    hidden, output = populations["hidden"], populations["output"]
    hidden.initialize(v=0.0)
    output.initialize(v=0.0)
    projections = {}
    for layer, pre, post, weights in (
        ("hidden", inp, hidden, plan.hidden_w),
        ("output", hidden, output, plan.output_w),
    ):
        for receptor, sign in RECEPTORS.items():
            rows = connection_list(weights, sign)
            if len(rows):
                projections[layer, receptor] = sim.Projection(
                    pre,
                    post,
                    sim.FromListConnector(rows),
                    synapse_type=sim.StaticSynapse(),
                    receptor_type=receptor,
                    label=f"{layer}-{receptor}",
                )
    return Model(inp, hidden, output, projections)


def weight_matrix(model, layer, shape):
    """The ``(post, pre)`` weights that the PyNN projections of ``layer`` hold (0 where no
    synapse), read back from the simulator: for checking a built model."""
    out = np.zeros(shape)
    for (name, _), projection in model.projections.items():
        if name == layer:
            for pre, post, w in projection.get("weight", format="list"):
                out[int(post), int(pre)] += w
    return out

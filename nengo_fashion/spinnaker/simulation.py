"""The PyNN model in PyNN's software simulator (Brian 2), over images, in chunks.

`simulate` runs a chunk of images one after another in one simulation: one PyNN model
(`nengo_fashion.spinnaker.pynn.build`) whose input sources hold the spike trains of all the
chunk's images, image ``k`` from step ``k * steps``. ``IF_curr_delta`` has no reset input,
so the reset at each image's start (`nengo_fashion.spinnaker.executor`, steps 1 and 6) is
a Brian 2 operation on the cells' groups, every ``steps`` steps: the hidden voltages at the
start of the step, the output voltages after the arrivals. (On a SpiNNaker machine the
same reset is a ``run`` per image and ``initialize(v=0)`` between runs; not run here.)

`evaluate` cuts the images into chunks of at most `CHUNK` and runs them as tasks
(`nengo_fashion.tasks`): one after another here, or on Dask workers with ``--scheduler``;
each chunk starts from the reset state, so chunks do not change any result.
"""

import numpy as np

from ..errors import MissingDependencyError
from ..tasks import Task, TaskRunner
from . import mapping as mapping_mod
from . import pynn as pynn_mod

CHUNK = 500
"""Images per simulation (one task)."""

INSTALL = (
    "the SpiNNaker backend's simulators (PyNN, Brian 2, sPyNNaker) live in a venv of their "
    "own: bash scripts/setup.sh --with-spinnaker, then run this with .venv-spinnaker/bin/python"
)


def require_brian2():
    """``pyNN.brian2`` and ``brian2``, or a one-line `MissingDependencyError`."""
    try:
        import brian2
        import pyNN.brian2 as sim
    except ImportError as e:
        raise MissingDependencyError(f"{e}: {INSTALL}") from None
    return sim, brian2


def simulate(plan, images):
    """Run ``images`` ((n, 784) in [0, 1]) through ``plan`` in PyNN's Brian 2 simulator.

    Returns the dict of `nengo_fashion.spinnaker.executor.run` (``readout``,
    ``hidden_counts``, ``input_counts``).
    """
    sim, brian2 = require_brian2()
    import logging

    logging.getLogger("brian2").setLevel(logging.ERROR)
    steps = plan.settings.steps
    spikes = mapping_mod.input_spikes(images, plan.settings)
    n = len(images)
    sim.setup(timestep=mapping_mod.DT_MS, min_delay=mapping_mod.DT_MS)
    # PyNN's Brian 2 spike sources run on Brian's default clock: give it the same step
    brian2.defaultclock.dt = mapping_mod.DT_MS * brian2.ms
    try:
        model = pynn_mod.build(sim, plan, mapping_mod.spike_times(spikes))
        period = steps * mapping_mod.DT_MS * brian2.ms
        network = sim.state.network
        for group, when in ((model.hidden, "start"), (model.output, "after_synapses")):
            network.add(group.brian2_group.run_regularly("v = v_reset", dt=period, when=when))
        model.hidden.record("spikes")
        model.output.record("v")
        sim.run((n * steps + 1) * mapping_mod.DT_MS)  # one more step: the last image's readout
        v = np.asarray(model.output.get_data("v").segments[0].filter(name="v")[0])
        trains = model.hidden.get_data("spikes").segments[0].spiketrains
    finally:
        sim.end()
    counts = np.zeros((n, plan.hidden_w.shape[0]), dtype=np.int32)
    for j, train in enumerate(trains):
        step = np.rint(np.asarray(train.magnitude) / mapping_mod.DT_MS).astype(int)
        np.add.at(counts[:, j], step // steps, 1)
    return {
        "readout": v[steps : (n + 1) * steps : steps],
        "hidden_counts": counts,
        "input_counts": spikes.sum(axis=0, dtype=np.int32),
    }


def simulate_chunk(plan, images, start, stop):
    """Images ``start:stop`` of ``images`` (an array, or a `nengo_fashion.tasks.DataRef`
    that a worker reads from its own disk) through `simulate`: a task."""
    from ..tasks import resolve

    data = resolve(images)
    data = getattr(data, "images", data)
    return simulate(plan, data[start:stop])


def evaluate(plan, images, *, runner=None):
    """Run ``images`` through ``plan`` in chunks of `CHUNK` (tasks); merge their results.

    Parameters
    ----------
    plan : nengo_fashion.spinnaker.mapping.Plan
    images : numpy.ndarray or nengo_fashion.tasks.DataRef
        ``(n, 784)`` images, or a reference to a split (read by each worker).
    runner : nengo_fashion.tasks.TaskRunner, optional
        Runs the chunks (default: here, one after another, quietly); progress in images.
    """
    runner = runner or TaskRunner(quiet=True)
    if runner.serial:
        require_brian2()
    n = len(images)
    tasks = [
        Task(
            f"chunk-{i}",
            simulate_chunk,
            dict(plan=plan, images=images, start=lo, stop=min(lo + CHUNK, n)),
            size=min(lo + CHUNK, n) - lo,
        )
        for i, lo in enumerate(range(0, n, CHUNK))
    ]
    results = runner.run(tasks, "PyNN (Brian 2) images")
    parts = [results[t.key] for t in tasks]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

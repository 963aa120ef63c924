"""The PyNN model in PyNN's software simulator (Brian 2), over images, in chunks.

`simulate` runs a chunk of images one after another in one simulation: one PyNN model
(`nengo_fashion.spinnaker.pynn.build`) whose input sources hold the spike trains of all the
chunk's images, image ``k`` from step ``k * steps``. ``IF_curr_delta`` has no reset input,
so the reset at each image's start (`nengo_fashion.spinnaker.executor`, steps 1 and 6) is
a Brian 2 operation on the cells' groups, every ``steps`` steps: the hidden voltages at the
start of the step, the output voltages after the arrivals. (On a SpiNNaker machine the
same reset is a ``run`` per image and ``initialize(v=0)`` between runs; not run here.)

`evaluate` cuts the images into one contiguous chunk per worker of the task runner
(`nengo_fashion.tasks`: one here, or one per Dask worker with ``--scheduler``) and runs each
as a task; each image starts from the reset state, so the chunks change no result.
"""

import contextlib
import logging
import threading
from unittest import mock

import numpy as np

from ..errors import MissingDependencyError
from ..progress import Progress
from ..tasks import Task, TaskRunner, resolve
from . import mapping as mapping_mod
from . import pynn as pynn_mod

SEGMENT = 500
"""Images `simulate` runs at a time (progress after each). PyNN's Brian 2 takes about 20 s
to build the model's 100,000 synapses (once per chunk) and about 0.6 s to run 100 images."""

INSTALL = (
    "the SpiNNaker backend's simulators (PyNN, Brian 2, sPyNNaker) live in a venv of their "
    "own: bash scripts/setup.sh --with-spinnaker, then run this with .venv-spinnaker/bin/python"
)


def require_brian2():
    """``pyNN.brian2`` and ``brian2``, or a one-line `MissingDependencyError`.

    Importing Brian 2 installs its Ctrl-C handler, which Python allows only in the main
    thread; a Dask worker runs its tasks in other threads, so there the import goes without
    it (the worker's own handlers stop it).
    """
    try:
        if threading.current_thread() is threading.main_thread():
            import brian2
        else:
            with mock.patch("signal.signal"):
                import brian2
        import pyNN.brian2 as sim
    except ImportError as e:
        raise MissingDependencyError(f"{e}: {INSTALL}") from None
    return sim, brian2


def versions():
    """The versions of PyNN and Brian 2 that ran (for the result files)."""
    import brian2
    import pyNN

    return {"pyNN": pyNN.__version__, "brian2": brian2.__version__}


@contextlib.contextmanager
def brian2_model(plan, spikes):
    """PyNN's Brian 2 set up with the model of ``plan`` (`nengo_fashion.spinnaker.pynn.build`)
    for the input ``spikes`` (`nengo_fashion.spinnaker.mapping.input_spikes` of the images),
    with the reset of each image and the recordings; yields ``(sim, model)`` and ends the
    simulation on leaving."""
    sim, brian2 = require_brian2()
    logging.getLogger("brian2").setLevel(logging.ERROR)
    sim.setup(timestep=mapping_mod.DT_MS, min_delay=mapping_mod.DT_MS)
    # PyNN's Brian 2 spike sources run on Brian's default clock: give it the same step
    brian2.defaultclock.dt = mapping_mod.DT_MS * brian2.ms
    try:
        model = pynn_mod.build(sim, plan, mapping_mod.spike_times(spikes))
        period = plan.settings.steps * mapping_mod.DT_MS * brian2.ms
        network = sim.state.network
        for group, when in ((model.hidden, "start"), (model.output, "after_synapses")):
            network.add(group.brian2_group.run_regularly("v = v_reset", dt=period, when=when))
        model.hidden.record("spikes")
        model.output.record("v")
        yield sim, model
    finally:
        sim.end()


def run_model(sim, model, plan, spikes, *, on_progress=None):
    """Run the images of ``spikes`` through a `brian2_model`; the dict of
    `nengo_fashion.spinnaker.executor.run` (``readout``, ``hidden_counts``, ``input_counts``).
    ``on_progress`` is called with the number of images done after each `SEGMENT` of them."""
    steps, n = plan.settings.steps, spikes.shape[1]
    for start in range(0, n, SEGMENT):
        m = min(SEGMENT, n - start)
        sim.run(m * steps * mapping_mod.DT_MS)
        if on_progress is not None:
            on_progress(m)
    sim.run(mapping_mod.DT_MS)  # one more step: the last image's readout
    v = np.asarray(model.output.get_data("v").segments[0].filter(name="v")[0])
    trains = model.hidden.get_data("spikes").segments[0].spiketrains
    counts = np.zeros((n, plan.hidden_w.shape[0]), dtype=np.int32)
    for j, train in enumerate(trains):
        step = np.rint(np.asarray(train.magnitude) / mapping_mod.DT_MS).astype(int)
        np.add.at(counts[:, j], step // steps, 1)
    return {
        "readout": v[steps : (n + 1) * steps : steps],
        "hidden_counts": counts,
        "input_counts": spikes.sum(axis=0, dtype=np.int32),
    }


def simulate(plan, images, *, on_progress=None):
    """Run ``images`` ((n, 784) in [0, 1]) through ``plan`` in PyNN's Brian 2 simulator
    (`brian2_model`, `run_model`)."""
    spikes = mapping_mod.input_spikes(images, plan.settings)
    with brian2_model(plan, spikes) as (sim, model):
        return run_model(sim, model, plan, spikes, on_progress=on_progress)


def simulate_chunk(plan, images, start, stop, *, on_progress=None):
    """Images ``start:stop`` of ``images`` (an array, or a `nengo_fashion.tasks.DataRef`
    that a worker reads from its own disk) through `simulate`: a task."""
    data = resolve(images)
    data = getattr(data, "images", data)
    return simulate(plan, data[start:stop], on_progress=on_progress)


def evaluate(plan, images, *, runner=None):
    """Run ``images`` through ``plan``, one contiguous chunk per worker (tasks); merge.

    Parameters
    ----------
    plan : nengo_fashion.spinnaker.mapping.Plan
    images : numpy.ndarray or nengo_fashion.tasks.DataRef
        ``(n, 784)`` images, or a reference to a split (read by each worker).
    runner : nengo_fashion.tasks.TaskRunner, optional
        Runs the chunks (default: here, quietly); progress in images.
    """
    runner = runner or TaskRunner(quiet=True)
    n = len(images)
    if runner.serial:  # one simulation here, progress after each segment
        require_brian2()
        with Progress(n, "PyNN (Brian 2) images", quiet=runner.quiet) as bar:
            return simulate_chunk(plan, images, 0, n, on_progress=lambda m: bar.update(n=m))
    bounds = [c for c in np.array_split(np.arange(n), runner.n_workers) if len(c)]
    tasks = [
        Task(
            f"chunk-{i}",
            simulate_chunk,
            dict(plan=plan, images=images, start=int(c[0]), stop=int(c[-1]) + 1),
            size=len(c),
        )
        for i, c in enumerate(bounds)
    ]
    results = runner.run(tasks, "PyNN (Brian 2) images")
    parts = [results[t.key] for t in tasks]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}

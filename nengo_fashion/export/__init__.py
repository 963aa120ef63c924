"""Export a trained run to NIR, the Neuromorphic Intermediate Representation.

Usage::

    python -m nengo_fashion.export --run results/best-relu --out build/nir/best-relu
    python -m nengo_fashion.export --run results/best-lif --out DIR --reference --n-images 1000

writes ``DIR/model.nir`` (NIR 1.0.8, HDF5), the graph::

    input (784) -> fc1: Affine(784 -> 128) -> hidden: IF or LIF (128)
                -> fc2: Affine(128 -> 10) -> output (10)

in NIR's continuous-time conventions (time in seconds, a spike is a Dirac delta
of area 1). With ``--reference`` it also writes ``DIR/reference.npz``: the first
``--n-images`` test images and NengoDL's spiking predictions for them, so that a
consumer of ``model.nir`` needs only numpy to compare (``scripts/nir_check.py``).

How nengo's neuron types map to NIR, and what NIR cannot hold, is in
``docs/nir.md``. In short:

- ``nengo.SpikingRectifiedLinear`` -> ``nir.IF(r=1, v_threshold=1, v_reset=0)``;
- ``nengo.LIF`` -> ``nir.LIF(tau=tau_rc, r=1, v_leak=0, v_threshold=1, v_reset=0)``;
- the ensemble's gain and bias are folded into ``fc1`` (``J = gain * W1 @ x + bias``,
  in 1/s for IF, in voltage units for LIF);
- the neuron amplitude is folded into ``fc2`` (``fc2.weight = W2 * amplitude``): the
  network's output is ``fc2`` applied to the spike trains, and the prediction is the
  argmax of its average over the presentation (``readout = "mean"``);
- what NIR 1.0.8 has no field for (subtractive reset, the refractory period, the
  voltage floor, nengo's random initial voltages) is written into the neuron node's
  ``metadata``, where a consumer can find it.

New neuron families are exported by registering a function in `EXPORTERS` with
`register_exporter`; a family with none is refused.

The library takes an `ExportConfig` (`export_to_folder`); the command is
`nengo_fashion.commands.export`.
"""

import dataclasses
import io
import time
from pathlib import Path
from typing import Optional

import nengo
import numpy as np

from .. import data as data_mod
from ..atomic import Outputs, atomic_path
from ..errors import ConfigError, MissingDependencyError
from ..families import get_family
from ..knobs import check_field_types, knob
from ..network import NetworkSpec, spiking_network
from ..neurons.qcfs import SpikingQuantizedReLU
from ..runs import load_run
from ..version import __version__

NIR_FILE = "model.nir"
"""File name of the exported graph inside ``--out``."""

REFERENCE_FILE = "reference.npz"
"""File name of NengoDL's reference predictions inside ``--out``."""

NODE_NAMES = ("input", "fc1", "hidden", "fc2", "output")
"""The graph's node names, in order; each edge joins two neighbours."""


def import_nir():
    """Import and return the ``nir`` package, with a clear error if it is absent."""
    try:
        import nir
    except ImportError as e:
        raise MissingDependencyError(
            f"the NIR export needs nir==1.0.8 (Python >= 3.10): pip install nir==1.0.8 ({e})"
        ) from None
    return nir


@dataclasses.dataclass(frozen=True)
class NeuronExport:
    """How the spiking neurons of one family become a NIR node.

    Parameters
    ----------
    family : str
        Neuron family name (a key of `nengo_fashion.families.FAMILIES`).
    nengo_type : type
        The nengo spiking neuron class the family uses (checked on export).
    make_node : callable
        ``make_node(nir, neuron_type, n_neurons, initial_state) -> nir.NIRNode``
        (``nir`` is the imported package);
        ``initial_state`` maps nengo's state names (``"voltage"``, ...) to arrays.
    """

    family: str
    nengo_type: type
    make_node: object
    input_scale: object = None


EXPORTERS = {}
"""Registry of `NeuronExport` by neuron family name (like nengo-dl's converter registry)."""


def register_exporter(family, nengo_type, input_scale=None):
    """Decorator: register ``make_node`` as the NIR export of ``family``'s spiking neurons.

    ``input_scale(neuron_type) -> float``, if given, multiplies the input current
    folded into ``fc1`` (a neuron whose voltage integrates ``k * J``).
    """

    def decorator(make_node):
        EXPORTERS[family] = NeuronExport(family, nengo_type, make_node, input_scale)
        return make_node

    return decorator


def get_exporter(family):
    """The `NeuronExport` of a family name, or a `ConfigError` saying why there is none."""
    try:
        return EXPORTERS[family]
    except KeyError:
        raise ConfigError(
            f"cannot export neuron family {family!r} to NIR: no mapping of its neurons to a "
            f"NIR node is registered (exportable families: {', '.join(sorted(EXPORTERS))})"
        ) from None


def _ones(n):
    return np.ones(n, dtype=np.float32)


def _zeros(n):
    return np.zeros(n, dtype=np.float32)


def _subtractive_if(nir, n_neurons, initial_state, **metadata):
    """``nir.IF(r=1, v_threshold=1, v_reset=0)`` for a nengo neuron that integrates its
    rectified input and subtracts the threshold on a spike; what NIR cannot hold (the
    reset, spikes per step, the initial voltages) goes into the node's metadata."""
    return nir.IF(
        r=_ones(n_neurons),
        v_threshold=_ones(n_neurons),
        v_reset=_zeros(n_neurons),
        metadata={
            "reset": "subtract",
            "input_rectified": "dv/dt = max(r * I, 0): the voltage never decreases",
            "v_initial": np.asarray(initial_state["voltage"], dtype=np.float32),
            **metadata,
        },
    )


@register_exporter("relu", nengo.SpikingRectifiedLinear)
def spiking_relu_to_if(nir, neuron_type, n_neurons, initial_state):
    """nengo's SpikingRectifiedLinear as ``nir.IF(r=1, v_threshold=1, v_reset=0)``.

    nengo's update per step of ``dt`` seconds is ``v += max(J, 0) * dt;
    n = floor(v); v -= n``: ``dv/dt = J`` (``J`` in 1/s) with threshold 1, several
    spikes per step possible and a subtractive reset (metadata ``reset``).
    """
    return _subtractive_if(
        nir,
        n_neurons,
        initial_state,
        nengo_type="SpikingRectifiedLinear",
        spikes_per_step="floor(v / v_threshold), may exceed 1",
    )


@register_exporter("lif-noref", nengo.LIF)
@register_exporter("lif", nengo.LIF)
def lif_to_lif(nir, neuron_type, n_neurons, initial_state):
    """nengo's LIF as ``nir.LIF(tau=tau_rc, r=1, v_leak=0, v_threshold=1, v_reset=0)``.

    nengo's LIF solves ``tau_rc dv/dt = J - v`` exactly over each step, spikes
    when ``v > 1``, resets to 0 and holds the voltage at 0 for ``tau_ref``
    seconds (counted from the interpolated spike time); ``v`` is floored at
    ``min_voltage``. NIR's LIF has no refractory period: ``tau_ref`` is kept in
    the node's metadata only.
    """
    return nir.LIF(
        tau=np.full(n_neurons, neuron_type.tau_rc, dtype=np.float32),
        r=_ones(n_neurons),
        v_leak=_zeros(n_neurons),
        v_threshold=_ones(n_neurons),
        v_reset=_zeros(n_neurons),
        metadata={
            "nengo_type": "LIF",
            "reset": "zero",
            "spikes_per_step": "at most 1",
            "tau_ref": float(neuron_type.tau_ref),
            "refractory": "after a spike the voltage is held at v_reset for tau_ref seconds "
            "(from the interpolated spike time); NIR's LIF has no refractory period",
            "min_voltage": float(neuron_type.min_voltage),
            "v_initial": np.asarray(initial_state["voltage"], dtype=np.float32),
        },
    )


def quantized_relu_to_if(nir, neuron_type, n_neurons, initial_state):
    """The QCFS families' neuron (`nengo_fashion.neurons.qcfs.SpikingQuantizedReLU`) as
    ``nir.IF(r=1, v_threshold=1, v_reset=0)``.

    Its update per step is ``v += max(J, 0) * max_rate * dt``, one spike when
    ``v >= 1`` and then ``v -= 1``: ``dv/dt = max_rate * J`` (``max_rate`` folded into
    ``fc1``), at most one spike per step, a subtractive reset, and the voltage
    starting at 1/2 (metadata ``v_initial``).
    """
    return _subtractive_if(
        nir,
        n_neurons,
        initial_state,
        nengo_type="SpikingQuantizedReLU",
        spikes_per_step="at most 1",
        levels=int(neuron_type.levels),
    )


for _levels in (4, 8, 16):
    register_exporter(
        f"qcfs{_levels}", SpikingQuantizedReLU, input_scale=lambda neuron: neuron.max_rate
    )(quantized_relu_to_if)


def export_network(weights, family, settings, *, seed=0, name=None):
    """The spiking network of a run as a ``nir.NIRGraph``.

    The parameters are read from nengo's own build of the network
    (`nengo_fashion.network.spiking_network`), so that what is
    exported is exactly what NengoDL simulates: the connection weights with the
    ensemble's gain folded in, the scaled bias, and the initial voltages nengo
    draws from the network seed.

    Parameters
    ----------
    weights : Weights
        Trained parameters.
    family : str or NeuronFamily
        Neuron family; it needs an entry in `EXPORTERS`.
    settings : SpikeSettings
        The run's spiking setting: ``dt`` (s), ``steps``, ``scale``, ``readout``;
        ``synapse`` must be None (a lowpass on the spikes is not exported).
    seed : int
        Network seed (the nengo-fashion runs use 0 everywhere).
    name : str, optional
        Run name recorded in the metadata.

    Returns
    -------
    nir.NIRGraph
        Nodes ``input, fc1, hidden, fc2, output`` and a ``metadata`` dict.
    """
    nir = import_nir()
    family = get_family(family)
    exporter = get_exporter(family.name)
    if settings.synapse is not None:
        raise ConfigError(
            f"the NIR export covers runs without a synapse (readout mean); this setting has "
            f"a {settings.synapse} s lowpass on the spikes"
        )
    net = spiking_network(weights, family, settings, NetworkSpec(seed=seed))
    neuron_type = net.hidden.neuron_type
    if type(neuron_type) is not exporter.nengo_type:
        raise ConfigError(
            f"family {family.name!r} builds {type(neuron_type).__name__} neurons, but its "
            f"NIR export is for {exporter.nengo_type.__name__}"
        )
    model = nengo.builder.Model(dt=settings.dt)
    model.build(net)
    neuron_sig = model.sig[net.hidden.neurons]
    n = net.hidden.n_neurons
    # the input current J = gain * (W1 @ x) + bias, as nengo builds it (the gain is a
    # separate elementwise step in nengo; here it is folded into the weights)
    gain = np.asarray(model.params[net.hidden].gain, np.float64)
    conn_weights = np.asarray(model.sig[net.conn_hidden]["weights"].initial_value, np.float64)
    k = 1.0 if exporter.input_scale is None else float(exporter.input_scale(neuron_type))
    fc1_weight = (k * gain[:, None] * conn_weights).astype(np.float32)
    fc1_bias = (k * np.asarray(neuron_sig["bias"].initial_value, np.float64)).astype(np.float32)
    state = {k: neuron_sig[k].initial_value for k in neuron_type.state}
    amplitude = float(neuron_type.amplitude)
    nodes = {
        "input": nir.Input(input_type={"input": np.array([fc1_weight.shape[1]])}),
        "fc1": nir.Affine(weight=fc1_weight, bias=fc1_bias),
        "hidden": exporter.make_node(nir, neuron_type, n, state),
        "fc2": nir.Affine(
            weight=(weights.output_w * np.float32(amplitude)).astype(np.float32),
            bias=weights.output_b.astype(np.float32),
        ),
        "output": nir.Output(output_type={"output": np.array([weights.output_w.shape[0]])}),
    }
    edges = list(zip(NODE_NAMES[:-1], NODE_NAMES[1:]))
    metadata = {
        "producer": "nengo-fashion",
        "version": __version__,
        "nir_version": nir.version,
        "run": str(name) if name is not None else "",
        "neuron_family": family.name,
        "nengo_neuron_type": type(neuron_type).__name__,
        "dt": float(settings.dt),
        "steps": int(settings.steps),
        "rate_scale": float(settings.scale),
        "amplitude": amplitude,
        "readout": settings.readout,
        "synapse": "none",
        "network_seed": int(seed),
        "time_unit": "s",
        "input": "784 pixels in [0, 1], held constant for `steps` steps of `dt` seconds",
        "output": "fc2 applied to the hidden spike trains (a spike = delta of area 1, i.e. "
        "1/dt over one step); prediction = argmax of its mean over the steps",
        "fc1": "gain and bias folded in: current J = gain * W1 @ x + bias",
        "fc2": "neuron amplitude folded in: weight = W2 * amplitude",
    }
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=metadata)


def export_run(run, out_dir):
    """Write ``out_dir/model.nir`` for a loaded run; return its path.

    Parameters
    ----------
    run : nengo_fashion.runs.Run
        From `nengo_fashion.runs.load_run`.
    out_dir : str or Path
        Existing, writable folder.
    """
    nir = import_nir()
    graph = export_network(
        run.weights, run.config.neuron, run.config.spiking, name=Path(run.path).name
    )
    path = Path(out_dir) / NIR_FILE
    # built in memory, then written as plain bytes: HDF5 writing straight to a full disk
    # fails inside h5py's deallocators (and can crash the interpreter), not where it is told
    buf = io.BytesIO()
    nir.write(buf, graph)
    with atomic_path(path) as tmp:
        Path(tmp).write_bytes(buf.getvalue())
    return path


def write_reference(run, out_dir, images, labels, *, batch_size=500):
    """NengoDL's spiking predictions for ``images``, saved beside ``model.nir``.

    Writes ``out_dir/reference.npz`` with ``images`` (float32, ``(n, 784)``, in
    [0, 1]), ``labels``, ``predictions`` (NengoDL, the run's spiking setting),
    ``spikes_per_image``, ``dt`` (s), ``steps`` and ``accuracy``.

    Returns
    -------
    dict
        ``{"path", "accuracy", "n_images", "seconds"}``.
    """
    from ..inference.engine import RunOptions, run_spiking

    t0 = time.perf_counter()
    settings = run.config.spiking
    # NengoDL itself, the reference (not the faster executor that run_spiking uses by default)
    options = RunOptions(batch_size=batch_size, engine="nengo_dl")
    result = run_spiking(run.weights, run.config.neuron, images, settings, options)
    accuracy = result.accuracy(labels)
    path = Path(out_dir) / REFERENCE_FILE
    with atomic_path(path) as tmp:
        with open(tmp, "wb") as f:
            np.savez_compressed(
                f,
                images=np.asarray(images, dtype=np.float32),
                labels=np.asarray(labels, dtype=np.int64),
                predictions=result.predictions.astype(np.int64),
                spikes_per_image=result.spikes_per_image.astype(np.float32),
                dt=np.float64(settings.dt),
                steps=np.int64(settings.steps),
                accuracy=np.float64(accuracy),
                run=np.str_(Path(run.path).name),
            )
    return {
        "path": path,
        "accuracy": accuracy,
        "n_images": len(images),
        "seconds": time.perf_counter() - t0,
    }


@dataclasses.dataclass(frozen=True)
class ExportConfig:
    """What ``python -m nengo_fashion.export`` exports, and where.

    Parameters
    ----------
    run : str or Path
        A run folder written by ``nengo_fashion.train``.
    reference : bool
        Also write `REFERENCE_FILE`: test images and NengoDL's spiking predictions.
    n_images : int or None
        With ``reference``: only the first ``n_images`` test images (None: all 10,000).
    data_dir : str or Path or None
        Folder of the Fashion-MNIST files (`nengo_fashion.data.load`).
    out : str or Path or None
        Output folder (default ``results/nir/<run name>``).
    overwrite : bool
        Replace `NIR_FILE` (and `REFERENCE_FILE`) if they exist (else they are refused).
    """

    run: Path = knob(dataclasses.MISSING, "run folder written by nengo_fashion.train")
    reference: bool = knob(
        False,
        f"also write OUT/{REFERENCE_FILE}: test images and NengoDL's spiking predictions",
        parse="flag",
    )
    n_images: Optional[int] = knob(
        None,
        "with --reference: only the first N test images (default: all 10,000)",
        parse="positive_int",
    )
    data_dir: Optional[Path] = None
    out: Optional[Path] = None
    overwrite: bool = False

    def __post_init__(self):
        check_field_types(self)
        if self.n_images is not None and not self.reference:
            raise ConfigError("--n-images only applies with --reference")
        if self.n_images is not None and self.n_images < 1:
            raise ConfigError(f"n_images must be >= 1, got {self.n_images!r}")

    def files(self):
        """The file names written into the output folder."""
        return [NIR_FILE] + ([REFERENCE_FILE] if self.reference else [])


def export_to_folder(config, *, show=print):
    """Export a run as ``config`` says; ``show`` gets the lines that say what was written.

    The output folder is checked, and the run's family refused if it has no exporter,
    before any work; the files are written together or not at all. Returns the folder.
    """
    outputs = Outputs(
        config.out or Path("results") / "nir" / Path(config.run).name,
        config.files(),
        overwrite=config.overwrite,
    )
    out = outputs.folder
    r = load_run(config.run)
    get_exporter(r.config.neuron)  # refuse an unexportable family before any work
    with outputs.staging() as stage:
        export_run(r, stage)
        if config.reference:
            split = data_mod.load(config.data_dir, n_val=r.config.n_val).split("test")
            split = split.subset(config.n_images)
            ref = write_reference(r, stage, split.images, split.labels)
    s = r.config.spiking
    nengo_type = EXPORTERS[r.config.neuron].nengo_type.__name__
    show(
        f"wrote {out / NIR_FILE} ({r.config.neuron}: {nengo_type}; dt {s.dt} s, {s.steps} "
        f"steps, scale {s.scale:g}, readout {s.readout})"
    )
    if config.reference:
        show(
            f"wrote {out / REFERENCE_FILE} (NengoDL spiking accuracy "
            f"{ref['accuracy'] * 100:.2f} % on {ref['n_images']} test images, "
            f"{ref['seconds']:.0f} s)"
        )
    return out

#!/usr/bin/env python3
"""Run an exported ``model.nir`` in Norse and in sinabs and compare with NengoDL.

Usage (with the second virtual environment that ``scripts/nir-check.sh`` builds)::

    .venv-nir/bin/python scripts/nir_check.py build/nir-check/best-relu \\
        --out results/nir/best-relu/nir_check.json

The folder holds ``model.nir`` and ``reference.npz`` (both written by
``python -m nengo_fashion.export --reference``): the test images and NengoDL's
spiking predictions for them. This script imports neither nengo nor TensorFlow;
it needs numpy, torch, nir, nirtorch, norse and sinabs.

Each simulator imports the graph with its own NIR importer (``norse.torch.from_nir``,
``sinabs.from_nir``). Before that, a small adapter works on an in-memory copy of
the graph (never on the file) and, after it, on the imported modules. Every
adapter step is listed in the output's ``adapter`` field and explained in
``docs/nir.md``:

- time step: both importers add the input of an IF neuron once per step and
  ignore ``dt``, so ``fc1`` is multiplied by ``dt``; a spike is 1 per step where
  NIR's spike is a delta of area 1, so ``fc2``'s weight is divided by ``dt``;
- LIF time constant: Norse integrates with forward Euler, so ``tau`` becomes
  ``dt / -expm1(-dt / tau)`` (Euler then takes the exact exponential step that
  nengo takes); sinabs counts ``tau`` in steps, so it becomes ``tau / dt``, with
  the input normalised by ``1 - exp(-dt / tau)``;
- what NIR cannot hold comes from the neuron node's metadata: the initial
  voltages (``v_initial``), the subtractive reset of nengo's spiking ReLU, the
  voltage floor (``min_voltage``). NIR's LIF has no refractory period, and
  neither importer adds one: the LIF runs here have none.

The output JSON has, per simulator, the accuracy on the labels, the agreement
(share of predictions equal to NengoDL's), the mean hidden spikes per image and
the seconds taken; ``variants`` are diagnostic runs (e.g. Norse exactly as
imported), ``reference_reader`` is this file's own numpy implementation of
``docs/nir.md``'s semantics (not an independent simulator: it shows that the
file plus its metadata determine NengoDL's result).
"""

import argparse
import copy
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from nengo_fashion.atomic import write_json  # noqa: E402  (numpy only: no nengo, no TF)

NIR_FILE = "model.nir"
REFERENCE_FILE = "reference.npz"
TARGET = {"agreement": 0.99, "accuracy_gap": 0.002}
"""Issue 12's target: >= 99 % equal predictions, accuracy within 0.2 points of NengoDL."""


def load(folder, n_images=None):
    """The NIR graph and the reference arrays of an export folder.

    Returns
    -------
    graph : nir.NIRGraph
    ref : dict
        ``images`` (n, 784) float32, ``labels`` (n,), ``predictions`` (n,),
        ``spikes_per_image`` (n,), ``run``.
    """
    import nir

    folder = Path(folder)
    for name in (NIR_FILE, REFERENCE_FILE):
        if not (folder / name).exists():
            raise SystemExit(
                f"nir_check: {folder / name} not found; write it with "
                f"python -m nengo_fashion.export --run RUN --out {folder} --reference"
            )
    graph = nir.read(folder / NIR_FILE)
    with np.load(folder / REFERENCE_FILE) as f:
        ref = {k: f[k] for k in f.files}
    n = len(ref["labels"]) if n_images is None else min(n_images, len(ref["labels"]))
    for k in ("images", "labels", "predictions", "spikes_per_image"):
        ref[k] = ref[k][:n]
    if abs(float(ref["dt"]) - float(graph.metadata["dt"])) > 1e-12 or int(ref["steps"]) != int(
        graph.metadata["steps"]
    ):
        raise SystemExit("nir_check: reference.npz and model.nir disagree on dt or steps")
    return graph, ref


def settings_of(graph):
    """dt (s), steps, readout and the neuron node's kind from the graph's metadata."""
    m = graph.metadata
    hidden = graph.nodes["hidden"]
    return {
        "dt": float(m["dt"]),
        "steps": int(m["steps"]),
        "scale": float(m["rate_scale"]),
        "amplitude": float(m["amplitude"]),
        "readout": str(m["readout"]),
        "neuron_family": str(m["neuron_family"]),
        "nir_node": type(hidden).__name__,
    }


def readout(outputs, how):
    """Logits from outputs over time ``(n, steps, 10)``: mean over steps or last step."""
    return outputs.mean(axis=1) if how == "mean" else outputs[:, -1]


def discretised(graph, simulator):
    """An in-memory copy of ``graph`` with the time step folded in for ``simulator``.

    Returns the copy and the list of adapter steps taken (for the report).
    """
    import nir

    g = copy.deepcopy(graph)
    s = settings_of(graph)
    dt = s["dt"]
    hidden = g.nodes["hidden"]
    notes = []
    if isinstance(hidden, nir.IF):
        g.nodes["fc1"].weight = (g.nodes["fc1"].weight * dt).astype(np.float32)
        g.nodes["fc1"].bias = (g.nodes["fc1"].bias * dt).astype(np.float32)
        notes.append("fc1 x dt: the importer adds an IF neuron's input once per step")
    elif isinstance(hidden, nir.LIF):
        if simulator == "norse":
            hidden.tau = (dt / -np.expm1(-dt / hidden.tau.astype(np.float64))).astype(np.float32)
            notes.append(
                "tau -> dt / -expm1(-dt / tau): Norse's forward-Euler step becomes the exact "
                "exponential step"
            )
        else:
            hidden.tau = (hidden.tau.astype(np.float64) / dt).astype(np.float32)
            notes.append("tau -> tau / dt: sinabs counts time constants in steps")
    else:
        raise SystemExit(f"nir_check: no adapter for a {type(hidden).__name__} node")
    g.nodes["fc2"].weight = (g.nodes["fc2"].weight / dt).astype(np.float32)
    notes.append("fc2 weight / dt: a spike is 1 per step, NIR's is a delta of area 1 (1/dt)")
    return g, notes


def _batches(n, size):
    for start in range(0, n, size):
        yield start, min(start + size, n)


def run_norse(graph, images, variant="adapted", batch_size=1000):
    """Simulate with ``norse.torch.from_nir``; returns predictions and spike counts.

    Variants: ``"adapted"`` (all adapter steps), ``"as_imported"`` (only the time
    step folded in: NIR's reset to ``v_reset``, initial voltage 0),
    ``"zero_v_initial"`` (adapted, but voltages start at 0),
    ``"step_refractory"`` (LIF only: adapted, plus Norse's own refractory update,
    ``norse.torch.functional.lif_refrac.compute_refractory_update``, with
    ``round(tau_ref / dt)`` whole steps).
    """
    import collections

    import nir
    import norse.torch as norse_torch
    import torch
    from nirtorch.graph_executor import GraphExecutorState
    from norse.torch.functional.iaf import IAFFeedForwardState
    from norse.torch.functional.reset import reset_subtract
    from norse.torch.functional.threshold import threshold

    s = settings_of(graph)
    g, notes = discretised(graph, "norse")
    meta = graph.nodes["hidden"].metadata
    is_if = isinstance(graph.nodes["hidden"], nir.IF)
    model = norse_torch.from_nir(g, dt=s["dt"])
    cell = model.hidden
    if is_if and variant != "as_imported" and meta.get("reset") == "subtract":

        def iaf_subtractive_step(input_tensor, state, p, dt):
            # Norse's IAF step with Norse's own subtractive reset in place of its reset
            # to v_reset (one spike per step at most, the rest stays in v)
            v = state.v + input_tensor
            z = threshold(v - p.v_th, p.method, p.alpha)
            return z, IAFFeedForwardState(v=reset_subtract(z, v, p.v_reset, p.v_th))

        cell.activation = iaf_subtractive_step
        notes.append(
            "IAFCell's reset -> norse.torch.functional.reset.reset_subtract (metadata "
            "reset = subtract); still at most one spike per step"
        )
    refractory_steps = 0
    if variant == "step_refractory":
        if is_if:
            raise ValueError("step_refractory is for LIF nodes")
        from norse.torch.functional.lif_refrac import compute_refractory_update

        refractory_steps = int(round(float(meta["tau_ref"]) / s["dt"]))
        box_step = cell.activation
        lif_view = collections.namedtuple("LifView", "v")
        state_view = collections.namedtuple("StateView", "lif rho")
        param_view = collections.namedtuple("ParamView", "lif rho_reset")

        def refractory_step(input_tensor, state, p, dt):
            v_old, rho = state
            z, new = box_step(input_tensor, type(cell.initial_state(input_tensor))(v=v_old), p, dt)
            v, z, rho = compute_refractory_update(
                state_view(lif_view(v_old), rho),
                z,
                new.v,
                param_view(p, torch.as_tensor(float(refractory_steps))),
            )
            return z, (v, rho)

        cell.activation = refractory_step
        notes.append(
            f"refractory: Norse's compute_refractory_update, {refractory_steps} whole steps "
            f"(nengo: tau_ref = {float(meta['tau_ref'])} s from the interpolated spike time)"
        )
    use_v0 = variant in ("adapted", "step_refractory")
    if use_v0:
        notes.append("initial voltage <- metadata v_initial (nengo's Uniform(0, 1), seed 0)")
    v0 = torch.from_numpy(np.asarray(meta["v_initial"], dtype=np.float32))
    counts = []
    model.hidden.register_forward_hook(lambda mod, inp, out: counts.append(out[0].sum(dim=1)))
    preds, spikes = [], []
    with torch.no_grad():
        for start, stop in _batches(len(images), batch_size):
            x = torch.from_numpy(images[start:stop])
            b = len(x)
            state = None
            if use_v0 or refractory_steps:
                v = v0.expand(b, -1).clone() if use_v0 else torch.zeros(b, len(v0))
                if refractory_steps:
                    hidden_state = (v, torch.zeros_like(v))
                else:
                    hidden_state = type(cell.initial_state(x))(v=v)
                state = GraphExecutorState(state={"hidden": (hidden_state,)})
            outputs = []
            counts.clear()
            for _ in range(s["steps"]):
                out, state = model(x, state=state)
                outputs.append(out)
            outputs = torch.stack(outputs, dim=1).numpy()
            preds.append(readout(outputs, s["readout"]).argmax(axis=1))
            spikes.append(torch.stack(counts, dim=1).sum(dim=1).numpy())
    return np.concatenate(preds), np.concatenate(spikes), notes


def run_sinabs(graph, images, variant="adapted", batch_size=1000):
    """Simulate with ``sinabs.from_nir``; returns predictions and spike counts.

    Variants: ``"adapted"`` (all adapter steps) and ``"zero_v_initial"``.
    """
    import nir
    import sinabs
    import torch
    from sinabs.activation import MembraneReset, SingleSpike

    s = settings_of(graph)
    g, notes = discretised(graph, "sinabs")
    meta = graph.nodes["hidden"].metadata
    steps = s["steps"]
    model = sinabs.from_nir(g, num_timesteps=steps)
    layer = model.hidden
    if isinstance(graph.nodes["hidden"], nir.LIF):
        layer.norm_input = True
        layer.reset_fn = MembraneReset(reset_value=float(graph.nodes["hidden"].v_reset[0]))
        layer.spike_fn = SingleSpike
        layer.min_v_mem = torch.nn.Parameter(
            torch.tensor(float(meta["min_voltage"])), requires_grad=False
        )
        notes += [
            "LIFSqueeze: norm_input (input x (1 - exp(-dt / tau))), the exact exponential step",
            "LIFSqueeze: reset_fn MembraneReset(0) and spike_fn SingleSpike (NIR's reset to "
            "v_reset, one spike per step; sinabs' defaults subtract and allow several)",
            "LIFSqueeze: min_v_mem <- metadata min_voltage",
        ]
    elif meta.get("spikes_per_step") == "at most 1":
        layer.spike_fn = SingleSpike
        notes.append(
            "IAFSqueeze: spike_fn SingleSpike (metadata: at most one spike per step), with "
            "sinabs' default MembraneSubtract (the metadata's subtractive reset)"
        )
    else:
        notes.append(
            "IAFSqueeze as imported: sinabs' default MultiSpike + MembraneSubtract is the "
            "metadata's subtractive reset with several spikes per step"
        )
    use_v0 = variant == "adapted"
    if use_v0:
        notes.append("initial v_mem <- metadata v_initial (nengo's Uniform(0, 1), seed 0)")
    v0 = torch.from_numpy(np.asarray(meta["v_initial"], dtype=np.float32))
    counts = []
    layer.register_forward_hook(lambda mod, inp, out: counts.append(out))
    preds, spikes = [], []
    with torch.no_grad():
        for start, stop in _batches(len(images), batch_size):
            x = torch.from_numpy(images[start:stop])
            b = len(x)
            layer.reset_states()
            layer.v_mem = v0.expand(b, -1).clone() if use_v0 else torch.zeros(b, len(v0))
            counts.clear()
            # sinabs' *Squeeze layers take (batch * steps, ...), batch-major
            out = model(x[:, None, :].expand(b, steps, x.shape[1]).reshape(b * steps, -1))
            if isinstance(out, tuple):
                out = out[0]
            outputs = out.reshape(b, steps, -1).numpy()
            preds.append(readout(outputs, s["readout"]).argmax(axis=1))
            spikes.append(counts[0].reshape(b, steps, -1).sum(dim=(1, 2)).numpy())
    return np.concatenate(preds), np.concatenate(spikes), notes


def run_numpy_reference(graph, images, batch_size=1000):
    """docs/nir.md's semantics in numpy, from the file and its metadata alone.

    IF: ``v += max(J, 0) dt; n = floor(v); v -= n``. LIF: nengo's exact
    exponential step, spike when ``v > 1``, reset to 0, refractory ``tau_ref``
    from the interpolated spike time, floor at ``min_voltage``. Both start at
    ``v_initial``. Not an independent simulator: a check that the file holds
    everything NengoDL used.
    """
    import nir

    s = settings_of(graph)
    dt, steps = np.float32(s["dt"]), s["steps"]
    hidden = graph.nodes["hidden"]
    meta = hidden.metadata
    w1, b1 = graph.nodes["fc1"].weight, graph.nodes["fc1"].bias
    w2, b2 = graph.nodes["fc2"].weight, graph.nodes["fc2"].bias
    v0 = np.asarray(meta["v_initial"], dtype=np.float32)
    preds, spikes = [], []
    for start, stop in _batches(len(images), batch_size):
        current = images[start:stop] @ w1.T + b1
        v = np.broadcast_to(v0, current.shape).copy()
        refractory = np.zeros_like(v)
        outputs, count = [], np.zeros(len(v), np.float32)
        for _ in range(steps):
            if isinstance(hidden, nir.IF):
                v += np.maximum(current, 0) * dt
                n = np.floor(v)
                if meta.get("spikes_per_step") == "at most 1":
                    n = np.minimum(n, 1)
                v -= n
            else:
                tau = hidden.tau
                refractory -= dt
                delta = np.clip(dt - refractory, 0, dt)
                v -= (current - v) * np.expm1(-delta / tau)
                spiked = v > hidden.v_threshold
                with np.errstate(divide="ignore", invalid="ignore"):
                    t_spike = dt + tau * np.log1p(-(v - 1) / (current - 1))
                v[v < float(meta["min_voltage"])] = float(meta["min_voltage"])
                v[spiked] = hidden.v_reset[0]
                refractory[spiked] = float(meta["tau_ref"]) + t_spike[spiked]
                n = spiked.astype(np.float32)
            count += n.sum(axis=1)
            outputs.append((n / dt) @ w2.T + b2)
        preds.append(readout(np.stack(outputs, axis=1), s["readout"]).argmax(axis=1))
        spikes.append(count)
    return np.concatenate(preds), np.concatenate(spikes), ["numpy, this script's own code"]


SIMULATORS = {"norse": run_norse, "sinabs": run_sinabs}
"""The independent simulators: name -> ``run(graph, images, variant, batch_size)``."""

VARIANTS = {
    # name: (simulator, variant, node kinds it applies to, what it shows)
    "norse_as_imported": (
        "norse",
        "as_imported",
        ("IF", "LIF"),
        "Norse with only the time step folded in (dt, and tau for LIF): NIR's own "
        "semantics, reset to v_reset and voltages starting at 0",
    ),
    "norse_zero_v_initial": (
        "norse",
        "zero_v_initial",
        ("IF", "LIF"),
        "adapted, but voltages start at 0 instead of nengo's random initial voltages",
    ),
    "sinabs_zero_v_initial": (
        "sinabs",
        "zero_v_initial",
        ("IF", "LIF"),
        "adapted, but voltages start at 0 instead of nengo's random initial voltages",
    ),
    "norse_step_refractory": (
        "norse",
        "step_refractory",
        ("LIF",),
        "adapted, plus Norse's refractory update for round(tau_ref / dt) whole steps "
        "(nengo's refractory period starts at the interpolated spike time)",
    ),
}
"""Diagnostic runs: what each adapter step is worth."""


def _tau_ref(graph):
    """The exported neurons' refractory period in seconds (0 for IF or a tau_ref = 0 LIF)."""
    meta = graph.nodes["hidden"].metadata
    return float(meta.get("tau_ref", 0.0))


def score(preds, spikes, ref, seconds):
    acc = float(np.mean(preds == ref["labels"]))
    ref_acc = float(np.mean(ref["predictions"] == ref["labels"]))
    agreement = float(np.mean(preds == ref["predictions"]))
    return {
        "accuracy": acc,
        "agreement": agreement,
        "accuracy_gap": round(acc - ref_acc, 6),
        "meets_target": bool(
            agreement >= TARGET["agreement"] and abs(acc - ref_acc) <= TARGET["accuracy_gap"]
        ),
        "spikes_per_image": round(float(np.mean(spikes)), 3),
        "seconds": round(seconds, 2),
    }


def versions():
    from importlib.metadata import version

    out = {"python": platform.python_version()}
    for name in ("numpy", "torch", "nir", "nirtorch", "norse", "sinabs"):
        out[name] = version(name)
    return out


def check(folder, simulators=None, n_images=None, variants=True, batch_size=1000, log=print):
    """Run the cross-check on an export folder; return the report as a dict."""
    t_all = time.perf_counter()
    graph, ref = load(folder, n_images)
    s = settings_of(graph)
    images = np.ascontiguousarray(ref["images"], dtype=np.float32)
    report = {
        "run": str(ref["run"]),
        "n_images": len(images),
        "settings": {k: s[k] for k in ("dt", "steps", "scale", "amplitude", "readout")},
        "neuron_family": s["neuron_family"],
        "nir_node": s["nir_node"],
        "target": TARGET,
        "nengo_dl": {
            "what": "NengoDL spiking predictions (nengo_fashion.inference.engine.run_spiking), "
            "reference.npz",
            "accuracy": float(np.mean(ref["predictions"] == ref["labels"])),
            "spikes_per_image": round(float(np.mean(ref["spikes_per_image"])), 3),
        },
        "simulators": {},
    }
    log(
        f"{report['run']}: {s['nir_node']} ({s['neuron_family']}), {len(images)} images, "
        f"dt {s['dt']} s, {s['steps']} steps; NengoDL accuracy "
        f"{report['nengo_dl']['accuracy'] * 100:.2f} %"
    )

    def one(label, func, **kwargs):
        t0 = time.perf_counter()
        preds, spikes, notes = func(graph, images, batch_size=batch_size, **kwargs)
        result = score(preds, spikes, ref, time.perf_counter() - t0)
        log(
            f"  {label:<24} accuracy {result['accuracy'] * 100:6.2f} %  agreement "
            f"{result['agreement'] * 100:6.2f} %  spikes/image {result['spikes_per_image']:6.1f}"
            f"  {result['seconds']:5.1f} s{'  (meets target)' if result['meets_target'] else ''}"
        )
        return result, notes

    for name in simulators or SIMULATORS:
        result, notes = one(name, SIMULATORS[name])
        report["simulators"][name] = {**result, "adapter": notes}
    if variants:
        report["variants"] = {}
        for name, (sim, variant, kinds, what) in VARIANTS.items():
            no_refractory = variant == "step_refractory" and not _tau_ref(graph)
            if s["nir_node"] in kinds and sim in (simulators or SIMULATORS) and not no_refractory:
                result, _ = one(name, SIMULATORS[sim], variant=variant)
                report["variants"][name] = {**result, "description": what}
    result, notes = one("numpy reference", run_numpy_reference)
    report["reference_reader"] = {
        **result,
        "description": run_numpy_reference.__doc__.split("\n")[0],
    }
    report["versions"] = versions()
    report["seconds"] = round(time.perf_counter() - t_all, 1)
    return report


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="nir_check.py",
        description="Run model.nir in Norse and sinabs; compare with NengoDL's predictions.",
    )
    p.add_argument("folder", help=f"export folder with {NIR_FILE} and {REFERENCE_FILE}")
    p.add_argument("--out", default=None, help="JSON report (default: FOLDER/nir_check.json)")
    p.add_argument("--n-images", type=int, default=None, help="only the first N images")
    p.add_argument(
        "--simulators",
        default=",".join(SIMULATORS),
        help=f"comma-separated subset of {', '.join(SIMULATORS)}",
    )
    p.add_argument("--no-variants", action="store_true", help="skip the diagnostic variants")
    p.add_argument("--batch-size", type=int, default=1000, help="images simulated side by side")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    args = p.parse_args(argv)
    sims = [x for x in args.simulators.split(",") if x]
    unknown = sorted(set(sims) - set(SIMULATORS))
    if unknown:
        p.error(f"unknown simulator {', '.join(unknown)}; choose from {', '.join(SIMULATORS)}")
    out = Path(args.out) if args.out else Path(args.folder) / "nir_check.json"
    try:  # fail before computing, not after
        out.parent.mkdir(parents=True, exist_ok=True)
        if not os.access(out.parent, os.W_OK):
            raise PermissionError(f"{out.parent} is not writable")
    except OSError as e:
        print(f"nir_check: error: cannot write {out} ({e})", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore")  # importers' deprecation chatter
    import torch

    torch.set_num_threads(args.threads)
    report = check(
        args.folder, sims, args.n_images, variants=not args.no_variants, batch_size=args.batch_size
    )
    write_json(out, report)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""nengo-loihi emulator: the straightforward way against the fast path, same images.

Usage::

    python -m benchmarks.loihi_emulator --run results/best-relu
    python -m benchmarks.loihi_emulator --run results/best-relu --json results/loihi_emulator.json

Both present the same ``--n-images`` test images one after another in one
emulator (as nengo-loihi's keras-to-loihi example does), with the same mapping;
the straightforward way keeps nengo-loihi's per-spike loop, the fast path swaps
in `loihi.emulator.vectorized_synapses`. It prints seconds per image for each,
the ratio, whether the outputs are identical, and what the straightforward way
would take for the 10,000 test images. A third line measures nengo-loihi's
default input mapping (an on/off neuron pair per pixel, fed by a Node) on fewer
images, to show what the off-chip input neurons save. A fourth runs the
time-to-first-spike mapping (``--input ttfs``, `loihi.ttfs`; ``--ttfs-steps`` steps,
one spike per pixel at most) on the same images.
"""

import argparse
import os
import sys
import time

import numpy as np

from loihi import loihi_simulator
from loihi.mapping import DEFAULT_NEURON, NEURONS, MappingSettings
from loihi.simulation import EmulatorOptions, simulate
from nengo_fashion import data
from nengo_fashion.atomic import write_json
from nengo_fashion.families import get_family
from nengo_fashion.network import NetworkSpec, build_network
from nengo_fashion.runs import load_run


def time_default_input_mapping(run, settings, images):
    """nengo-loihi's own Node-input mapping (on/off pairs), original loop."""
    import nengo

    family = run.config.neuron
    neuron = NEURONS[settings.neuron].make(amplitude=get_family(family).amplitude / settings.scale)
    spec = NetworkSpec(
        spiking=True,
        scale=settings.scale,
        neuron_type=neuron,
        input_output=nengo.processes.PresentInput(images, settings.presentation_time),
    )
    net = build_network(run.weights, family, spec)
    with loihi_simulator(net, target="sim", progress_bar=False, seed=0) as sim:
        start = time.perf_counter()
        sim.run_steps(len(images) * settings.steps)
        return (time.perf_counter() - start) / len(images)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--run", default="results/best-relu")
    p.add_argument("--n-images", type=int, default=200)
    p.add_argument("--json", default=None)
    p.add_argument("--ttfs-steps", type=int, default=16, help="window of the TTFS mapping")
    p.add_argument("--ttfs-scale", type=float, default=100.0, help="scale of the TTFS mapping")
    args = p.parse_args(argv)

    run = load_run(args.run)
    test = data.load(n_val=run.config.n_val).test
    images = test.images[: args.n_images]
    settings = MappingSettings(
        neuron=DEFAULT_NEURON[run.config.neuron], scale=run.config.spiking.scale
    )
    timings, outs = {}, {}
    for name, vectorize in (("straightforward", False), ("vectorized", True)):
        start = time.perf_counter()
        options = EmulatorOptions(vectorize=vectorize)
        outs[name] = simulate(settings, run.weights, images, options=options)
        timings[name] = (time.perf_counter() - start) / len(images)
    # the few-operation mapping (loihi/ttfs.py), on the same images, vectorised loop
    ttfs = MappingSettings(
        neuron=settings.neuron,
        presentation_time=args.ttfs_steps * settings.dt,
        scale=args.ttfs_scale,
        input_code="ttfs",
    )
    start = time.perf_counter()
    simulate(ttfs, run.weights, images)
    timings["ttfs_vectorized"] = (time.perf_counter() - start) / len(images)
    default_n = max(10, args.n_images // 10)
    timings["default_input_mapping"] = time_default_input_mapping(run, settings, images[:default_n])
    identical = bool(
        np.array_equal(outs["straightforward"]["outputs"], outs["vectorized"]["outputs"])
    )
    ratio = timings["straightforward"] / timings["vectorized"]
    n_test = len(test)
    print(f"{args.n_images} test images, {settings.steps} steps each, {settings.neuron}")
    for k, v in timings.items():
        print(f"{k:22} {v * 1e3:8.2f} ms/image  -> {v * n_test / 60:6.1f} min for {n_test}")
    print(f"speed-up vectorized / straightforward: {ratio:.2f}x; identical outputs: {identical}")
    if args.json:
        write_json(
            args.json,
            {
                "run": args.run,
                "n_images": args.n_images,
                "default_mapping_images": default_n,
                "steps": settings.steps,
                "ttfs_steps": ttfs.steps,
                "seconds_per_image": timings,
                "full_test_minutes": {k: v * n_test / 60 for k, v in timings.items()},
                "speedup": ratio,
                "identical_outputs": identical,
                "cpus": os.cpu_count(),
            },
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

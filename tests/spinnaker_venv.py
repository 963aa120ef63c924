"""Run in the SpiNNaker venv (``.venv-spinnaker``) by ``tests/test_spinnaker_pynn.py``.

``python tests/spinnaker_venv.py MODEL.NIR IMAGES.NPY OUT.NPZ`` builds the PyNN model of the
graph in PyNN's Brian 2 simulator as the simulation does (`simulation.brian2_model`), reads
back what the simulator holds (each projection's weights, delays and receptor; each
population's parameters) and runs the images through that same model (`simulation.run_model`);
writes them all into OUT.NPZ for the test to check against the run's weights and the executor,
element by element.
"""

import sys

import numpy as np

from nengo_fashion.spinnaker import mapping, pynn, simulation


def main(nir_file, images_file, out_file):
    images = np.load(images_file)
    plan = mapping.plan(mapping.read_graph(nir_file), mapping.MappingSettings())
    spikes = mapping.input_spikes(images, plan.settings)
    out = {}
    with simulation.brian2_model(plan, spikes) as (sim, model):
        for layer, shape in (("hidden", plan.hidden_w.shape), ("output", plan.output_w.shape)):
            out[f"{layer}_w"] = pynn.weight_matrix(model, layer, shape)
            delays = []
            for (name, receptor), proj in model.projections.items():
                if name == layer:
                    rows = np.asarray(proj.get(["weight", "delay"], format="list"))
                    delays.append(rows[:, 3])
                    out[f"{layer}_{receptor}_signs"] = np.unique(np.sign(rows[:, 2]))
            out[f"{layer}_delays"] = np.unique(np.concatenate(delays))
            pop = getattr(model, layer)
            for param in ("i_offset", "v_thresh", "tau_m", "cm", "v_reset", "v_rest", "tau_refrac"):
                out[f"{layer}_{param}"] = np.asarray(pop.get(param), dtype=np.float64)
        result = simulation.run_model(sim, model, plan, spikes)
    out.update({f"sim_{k}": v for k, v in result.items()})
    np.savez(out_file, **out)


if __name__ == "__main__":
    main(*sys.argv[1:4])

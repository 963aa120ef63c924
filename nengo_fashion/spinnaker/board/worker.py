"""The sPyNNaker side of `nengo_fashion.spinnaker.board`: run in a process of its own.

sPyNNaker keeps its state in process-wide singletons and reads its configuration from the
working folder and ``$HOME``, so `nengo_fashion.spinnaker.board.map_model` runs this module's
`main` in a child process, in a folder it made, with ``request.json`` (what to map) there;
`main` writes ``board.json`` there: the figures of `machine_figures`, read from sPyNNaker's
own objects after its mapping (``SpynnakerDataView``: the machine, the placements, each
core's SDRAM, the synaptic matrices, the routing tables), and its checks of the plan's
fixed-point weights against the weights sPyNNaker generated.
"""

import json
import sys
from pathlib import Path

import numpy as np

from ... import data as data_mod
from .. import mapping as mapping_mod
from .. import pynn as pynn_mod
from ..fixed import RECEPTORS


def main(folder):
    """Map the model that ``folder/request.json`` names; write ``folder/board.json``."""
    folder = Path(folder)
    request = json.loads((folder / "request.json").read_text())
    import pyNN.spiNNaker as sim

    settings = mapping_mod.MappingSettings(**request["settings"])
    plan = mapping_mod.plan(mapping_mod.read_graph(request["nir"]), settings, path=request["nir"])
    dataset = data_mod.load(request["data_dir"])
    images = dataset.split(request["split"]).subset(request["n_images"]).images
    spikes = mapping_mod.input_spikes(images, settings)
    n_steps = len(images) * settings.steps + 1
    sim.setup(timestep=mapping_mod.DT_MS)
    model = pynn_mod.build(sim, plan, mapping_mod.spike_times(spikes), spinnaker=True)
    model.hidden.record("spikes")
    model.output.record("v")
    sim.run(n_steps * mapping_mod.DT_MS)
    result = machine_figures(model, n_steps)
    result["checks"] = weight_checks(model, plan)
    result["images_mapped"] = len(images)
    result["run_steps"] = n_steps
    sim.end()
    (folder / "board.json").write_text(json.dumps(result, indent=1))


def machine_figures(model, n_steps):
    """Boards, chips, cores, SDRAM, synaptic matrices and routing entries of the mapped
    model, from sPyNNaker's ``SpynnakerDataView`` (7.4.1)."""
    from pacman.operations.router_compressors import pair_compressor
    from spynnaker.pyNN.data import SpynnakerDataView as view

    machine = view.get_machine()
    placements = list(view.iterate_placemements())  # (sic) the name in sPyNNaker 7.4.1
    populations = {}
    for label, pop in (("input", model.input), ("hidden", model.hidden), ("output", model.output)):
        cores = []
        for vertex in pop._vertex.machine_vertices:
            where = view.get_placement_of_vertex(vertex)
            sdram = vertex.sdram_required
            cores.append(
                {
                    "core": [where.x, where.y, where.p],
                    "neurons": vertex.vertex_slice.n_atoms,
                    "sdram_fixed_bytes": int(sdram.fixed),
                    "sdram_per_step_bytes": float(sdram.per_timestep),
                    "sdram_bytes": int(sdram.get_total_sdram(n_steps)),
                }
            )
        populations[label] = {
            "neurons": pop.size,
            "cores": len(cores),
            "chips": len({tuple(c["core"][:2]) for c in cores}),
            "sdram_bytes": sum(c["sdram_bytes"] for c in cores),
            "per_core": cores,
        }
        if label != "input":
            populations[label]["synaptic_matrix_bytes"] = int(
                sum(
                    pop._vertex.get_synapses_size(v.vertex_slice.n_atoms)
                    for v in pop._vertex.machine_vertices
                )
            )
    tables = view.get_uncompressed().routing_tables
    compressed = pair_compressor().routing_tables
    app_chips = {tuple(c["core"][:2]) for p in populations.values() for c in p["per_core"]}
    return {
        "machine": {
            "boards": len(list(machine.ethernet_connected_chips)),
            "chips": machine.n_chips,
            "chips_used": len(app_chips),
        },
        "cores_used": sum(p["cores"] for p in populations.values()),
        "system_cores": len(placements) - sum(p["cores"] for p in populations.values()),
        "populations": populations,
        "projections": projection_figures(model),
        "routing": {
            "entries": int(sum(t.number_of_entries for t in tables)),
            "max_entries_per_chip": int(max((t.number_of_entries for t in tables), default=0)),
            "entries_compressed": int(sum(t.number_of_entries for t in compressed)),
        },
        "time_step_us": int(view.get_simulation_time_step_us()),
        "time_scale_factor": float(view.get_time_scale_factor()),
    }


def projection_figures(model):
    """Each projection's synapses and synaptic-matrix bytes (rows of its largest row)."""
    out = {}
    for (layer, receptor), proj in model.projections.items():
        post = proj.post._vertex
        info, edge = proj._synapse_information, proj._projection_edge
        rows = min(edge.pre_vertex.n_atoms, edge.pre_vertex.get_max_atoms_per_core())
        size = 0
        for vertex in post.machine_vertices:
            row = post.get_max_row_info(info, vertex.vertex_slice.n_atoms, edge)
            size += rows * row.undelayed_max_bytes
        out[f"{layer}-{receptor}"] = {
            "synapses": len(proj.get("weight", format="list")),
            "matrix_bytes": int(size),
        }
    return out


def weight_checks(model, plan):
    """sPyNNaker's ring-buffer shifts and the weights it generated (decoded from its
    synaptic rows on a virtual board) against the plan's fixed-point emulation."""
    checks = {}
    for layer, weights in (("hidden", plan.hidden_w), ("output", plan.output_w)):
        vertex = getattr(model, layer)._vertex
        shifts = [int(s) for s in vertex.get_ring_buffer_shifts()]
        ours = [plan.shifts[layer][r]["shift"] for r in RECEPTORS]
        got = np.zeros_like(weights)
        for (name, receptor), proj in model.projections.items():
            if name == layer:
                for pre, post, w in proj.get("weight", format="list"):
                    got[int(post), int(pre)] += RECEPTORS[receptor] * abs(w)
        checks[layer] = {
            "spynnaker_shifts": shifts,
            "plan_shifts": ours,
            "max_weight_difference_mv": float(np.abs(got - weights).max()),
        }
    return checks


if __name__ == "__main__":
    main(sys.argv[1])

"""The tables of the benchmarks (``python -m benchmarks.*``, each one JSON file under
``results/``) and of the tooling: training speed, spiking inference, the distributed runner,
the peers, the emulator's loop, the photos, the prediction's cold start and mutation testing."""

from pathlib import Path

from ..spec import Entry, Table, entries, one, pct

_FRAMEWORKS = {
    "nengo_dl": "NengoDL `Simulator.fit`, one Keras call per minibatch (before)",
    "keras": "Keras `Model.fit`",
    "train": "`python -m nengo_fashion.train` (`fit`: validation, determinism included)",
    "pytorch": "PyTorch eager",
}


def _train_speed_note(r):
    per_epoch = r["seconds_per_epoch"]
    text = (
        f"\n\n{r['n_images']} images, batch {r['batch_size']}, best of {r['epochs']} epochs, "
        f"{r['cpus']} CPUs, TensorFlow {r['tensorflow']}"
        + (f", PyTorch {r['torch']}" if r.get("torch") else "")
        + "."
    )
    scoring = r.get("train_validation_scoring_seconds")
    if isinstance(scoring, dict):
        text += (
            f" Scoring the 5,000 validation images after an epoch: {scoring['numpy']:.3f} s "
            f"with the numpy forward pass `train` uses, {scoring['nengo_dl']:.3f} s with "
            "NengoDL's prediction."
        )
    if "pytorch" in per_epoch and "train" in per_epoch:
        text += f" `train` / PyTorch: **{per_epoch['train'] / per_epoch['pytorch']:.2f}x**."
    return text


def _fastest_first(r):
    per_epoch = r["seconds_per_epoch"]
    return [Entry(k, per_epoch[k], r) for k in sorted(per_epoch, key=per_epoch.get)]


TRAIN_SPEED = Table(
    "train_speed",
    one("train_speed.json"),
    (
        ("framework", "key", lambda k: _FRAMEWORKS.get(k, k)),
        ("s / epoch", "value", "{:.2f}"),
        ("images / s", lambda e: f"{e.doc['n_images'] / e.value:.0f}"),
    ),
    rows=_fastest_first,
    placeholder="(no results/train_speed.json yet)",
    note=_train_speed_note,
)


def _spiking_inference_note(r):
    return (
        f"\n\nFloor: {r['input_macs_per_image']} MACs per image for the input product (once: "
        f"the input is constant) plus {r['output_macs_per_image_step']} per step for the output "
        f"product, at the measured {r['matmul_macs_per_s'] / 1e9:.1f} GMAC/s ({r['cpus']} CPUs). "
        f"Peak memory of a {r['sweep_point_steps']}-step sweep point on the whole test set: "
        f"{r['sweep_point_peak_bytes'] / 2**20:.0f} MiB."
    )


SPIKING_INFERENCE = Table(
    "spiking_inference",
    one("spiking_inference.json", when=lambda r: "rows" in r and "engine" in r["rows"][0]),
    (
        ("engine", "engine"),
        ("steps", "steps"),
        ("seconds (10,000 images)", "seconds", "{:.3f}"),
        ("images / s", "images_per_s", "{:.0f}"),
        ("arithmetic floor (s)", "floor_seconds", "{:.4f}"),
        ("measured / floor", "ratio", "{:.1f}x"),
        ("accuracy %", "accuracy", pct),
    ),
    rows=lambda r: r["rows"],
    placeholder="(run python -m benchmarks.spiking_inference --json "
    "results/spiking_inference.json)",
    note=_spiking_inference_note,
)

_RUN_DISTRIBUTED = "(run python -m benchmarks.distributed --json results/distributed.json)"


def _distributed_rows(r):
    """The recipe search and the emulator: serial, on a local cluster, on a running one."""
    s, e = r["search"], r["emulator"]
    yield {
        "work": f"search: {len(s['candidates'])} candidates x {max(s['epochs'].values())} epochs",
        "serial": f"{s['serial_s']:.1f} s",
        "local": f"{s['local_cluster_s']:.1f} s ({s['speedup_local_cluster']:.2f}x)",
        "running": f"{s['running_cluster_s']:.1f} s ({s['speedup_running_cluster']:.2f}x)",
        "target": f">= {s['target_speedup']:g}x",
    }
    yield {
        "work": f"emulator: {e['n_images']:,} test images, `{Path(e['run']).name}`",
        "serial": f"{e['one_worker_s']:.1f} s",
        "local": f"{e['local_cluster_s']:.1f} s",
        "running": f"{e['running_cluster_s']:.1f} s",
        "target": f"<= {e['target_s']:g} s",
    }


def _distributed_note(r):
    s, e = r["search"], r["emulator"]
    return (
        f"\n\nOn {r['cpus']} CPUs. The search's validation accuracies were "
        + ("identical all three ways" if s["identical_val_acc"] else "NOT identical")
        + "; the emulator's accuracy was "
        + f"{pct(e['accuracy']['one_sequence'])} % in one sequence and "
        f"{pct(e['accuracy']['chunks'])} % in {r['workers']} chunks."
    )


DISTRIBUTED = Table(
    "distributed",
    one("distributed.json"),
    (
        ("work (whole command)", "work"),
        ("serial", "serial"),
        (lambda r: f"`--scheduler local --workers {r['workers']}`", "local"),
        (lambda r: f"running {r['workers']}-worker cluster (`--scheduler tcp://...`)", "running"),
        ("target", "target"),
    ),
    rows=_distributed_rows,
    placeholder=_RUN_DISTRIBUTED,
    note=_distributed_note,
)
"""``benchmarks/distributed.py``: serial against 2 workers, measured."""

_ESTIMATES = {
    "small_search_4x2_epochs_s": "small search, 4 candidates x 2 epochs",
    "full_search_11_candidates_s": "full recipe search, 11 candidates",
    "seeds_best_relu_3_seeds_s": "`seeds --recipe best --seeds 0 1 2`",
    "emulator_10000_images_s": "emulator, 10,000 test images",
}

DISTRIBUTED_ESTIMATE = Table(
    "distributed_estimate",
    one("distributed.json"),
    (
        ("estimate (not measured)", "value"),
        *(
            (f"{n} worker{'s' if n != '1' else ''}", lambda e, n=n: e.doc[e.key][n], "{:.0f} s")
            for n in ("1", "2", "8", "32")
        ),
    ),
    rows=lambda r: [Entry(key, label, r["estimates"]) for key, label in _ESTIMATES.items()],
    placeholder=_RUN_DISTRIBUTED,
)

COMMANDS_SPEED = Table(
    "commands_speed",
    one("commands_speed.json"),
    (
        ("command", "key", "`{}`"),
        ("before: NengoDL (s)", "value.nengo_dl", "{:.1f}"),
        ("now: executor (s)", "value.auto", "{:.1f}"),
        ("faster", lambda e: f"{e.value['nengo_dl'] / e.value['auto']:.1f}x"),
    ),
    rows=entries("seconds"),
    placeholder="(run python -m benchmarks.commands_speed --json results/commands_speed.json)",
)
"""Wall time of the commands that run spiking inference, before and after the executor."""

_PEERS = {
    "nengo_fashion": "this project (`run_spiking`: the numpy executor)",
    "nengo_dl": 'NengoDL, the reference (`engine="nengo_dl"`; one call, its graph build '
    "included)",
    "torch_loop": "a plain PyTorch loop (input current once, then the IF updates)",
    "norse": "Norse 1.1.0, the network imported from NIR",
    "sinabs": "sinabs 3.1.3, the network imported from NIR",
}


def _peers_note(r):
    w = r["work"]
    ratio = r.get("ratio_to_fastest_peer")
    return (
        f"\n\nWork: `{w['run']}`, {w['n_images']} test images x {w['steps']} steps of "
        f"{w['dt'] * 1000:g} ms, best of {w['repeats']}, {w['cpus']} CPUs."
        + (
            f" This project / fastest peer ({r['fastest_peer']}): **{ratio:.2f}x**."
            if ratio
            else ""
        )
    )


PEERS = Table(
    "peers",
    one("peers.json"),
    (
        ("simulator", "key", lambda k: _PEERS.get(k, k)),
        ("seconds", "value", "{:.3f}"),
        ("accuracy %", lambda e: e.doc["accuracy"][e.key], pct),
        (
            "same predictions as NengoDL %",
            lambda e: e.doc["agreement_with_nengo_dl"][e.key] * 100,
            "{:.2f}",
        ),
    ),
    rows=entries("seconds"),
    order=lambda e: e.value,
    placeholder="(run python -m benchmarks.peers --json results/peers.json)",
    note=_peers_note,
)

_WAYS = {
    "default_input_mapping": "nengo-loihi default input (on/off pair per pixel)",
    "straightforward": "off-chip input neurons, nengo-loihi's loop",
    "vectorized": "off-chip input neurons, vectorised loop (ours)",
    "ttfs_vectorized": "time-to-first-spike input (`--input ttfs`), vectorised loop",
}


def _way_steps(e):
    return e.doc.get("ttfs_steps", "–") if e.key == "ttfs_vectorized" else e.doc["steps"]


LOIHI_SPEED = Table(
    "loihi_speed",
    one("loihi_emulator.json"),
    (
        ("way", "key", _WAYS.__getitem__),
        ("steps", _way_steps),
        ("ms per image", "value", lambda s: f"{s * 1e3:.1f}"),
        ("minutes for 10,000 images", lambda e: e.doc["full_test_minutes"][e.key], "{:.1f}"),
    ),
    rows=entries("seconds_per_image"),
    placeholder="(no results/loihi_emulator.json yet)",
    note=lambda r: (
        f"\n\nVectorised / straightforward: **{r['speedup']:.2f}x**, identical outputs: "
        f"{r['identical_outputs']} ({r['n_images']} images, {r['steps']} steps each)."
    ),
)


def _photo_rows(r):
    """One row per photo variant, the best agreement first, then the total."""
    t = r["test"]
    modes = t["modes"]
    first = modes[list(modes)[0]]["per_variant"]  # IndexError without modes
    geometry = t.get("geometry", {})
    for v in sorted(first, key=lambda v: -first[v]["agreement"]):
        trim = geometry.get(v)
        yield {
            "variant": f"`{v}`",
            "photo": r["variants"][v],
            "agreement": {m: pct(modes[m]["per_variant"][v]["agreement"]) for m in modes},
            "trim": (
                f"{trim['trim_box_error_px']:.2f}"
                if isinstance(trim, dict) and "trim_box_error_px" in trim
                else "–"
            ),
        }
    yield {
        "variant": "**all**",
        "photo": f"{t['n_photos']} photos of {t['n_images']} test images",
        "agreement": {m: f"**{pct(modes[m]['agreement'])}**" for m in modes},
        "trim": "",
    }


def _photo_columns(r):
    return (
        ("variant", "variant"),
        ("photo", "photo"),
        *((f"agreement, {m} %", lambda row, m=m: row["agreement"][m]) for m in r["test"]["modes"]),
        ("trim-box error (px, mean)", "trim"),
    )


def _photos_note(r):
    shift = r["test"].get("one_pixel_shift_agreement")
    if shift is None:
        return ""
    return (
        f"\n\nFor scale: moving the original 28 x 28 images by one pixel keeps "
        f"{pct(shift)} % of the rate net's answers."
    )


PHOTOS = Table(
    "photos",
    one("photos", "photos.json"),
    _photo_columns,
    rows=_photo_rows,
    placeholder="(no results/photos/photos.json yet)",
    note=_photos_note,
)
"""Agreement between the prediction on a product photo and on its 28 x 28 original."""


def _cold_start_note(r):
    heavy = [k for k, v in r["imports"]["heavy_imported"].items() if v]
    return (
        f"\n\nImported by the prediction: {r['imports']['modules']} modules; of the heavy "
        f"ones: {', '.join(heavy) if heavy else 'none'} (of "
        f"{', '.join(r['imports']['heavy_imported'])})."
    )


PREDICT_COLD_START = Table(
    "predict_cold_start",
    one("predict_cold_start.json"),
    (
        ("command", "key"),
        (lambda r: f"median of {r['repeats']} cold starts, ms", "value"),
    ),
    rows=lambda r: [
        Entry(f"`{r['command']}`", f"{r['median_seconds']['predict'] * 1e3:.0f}", r),
        Entry(f"`{r['baseline']}`", f"{r['median_seconds']['baseline'] * 1e3:.0f}", r),
        Entry("**ratio**", f"**{r['ratio']:.2f}x** (target at most {r['target_ratio']:g}x)", r),
    ],
    placeholder="(run python -m benchmarks.predict_cold_start --json "
    "results/predict_cold_start.json)",
    note=_cold_start_note,
)
"""One prediction from a cold start against importing numpy and Pillow."""


def _killed_before(e):
    before = e.doc.get("before", {})
    b = before.get("modules", {}).get(e.key) if e.key != "total" else before.get("total")
    return "–" if b is None else f"{b['killed']} ({b['score']:.1f} %)"


MUTATION = Table(
    "mutation",
    one("mutation.json", when=lambda doc: doc and "after" in doc),
    (
        ("module", "key", lambda name: name if name == "total" else f"`{name}`"),
        ("mutants", "value.mutants"),
        ("killed before", _killed_before),
        ("killed", "value.killed"),
        ("survived", lambda e: e.value["survived"] + e.value["no_tests"]),
        ("score", "value.score", "{:.1f} %"),
    ),
    rows=lambda doc: [
        Entry(name, a, doc)
        for name, a in [*doc["after"]["modules"].items(), ("total", doc["after"]["total"])]
    ],
    placeholder="(no results yet)",
)
"""``tools/mutation_report.py``: mutmut's score per core module, before and after the tests
written for its survivors (tests/test_core_mutants.py)."""


TABLES = (
    TRAIN_SPEED,
    SPIKING_INFERENCE,
    DISTRIBUTED,
    DISTRIBUTED_ESTIMATE,
    COMMANDS_SPEED,
    PEERS,
    LOIHI_SPEED,
    PHOTOS,
    PREDICT_COLD_START,
    MUTATION,
)

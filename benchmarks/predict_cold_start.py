"""Cold start of ``python -m nengo_fashion.predict`` on one picture, rate mode, side by side with
``python -c "import numpy, PIL"`` on the same machine.

Usage::

    python -m benchmarks.predict_cold_start --json results/predict_cold_start.json

Both commands run as fresh processes, alternately (so that a background load hits both
alike), ``--repeats`` times after one warm-up each; the ratio is of the medians of their wall
times (seconds). The picture is a "product photo" (``nengo_fashion.studies.photos``, variant
``plain``: a test image negated, scaled up and placed off centre, as a JPEG), so the timed
command reads, preprocesses and classifies a real-sized picture with the default run. The
target is a ratio of at most 2.

It also records what the command imports (``python -X importtime``): the number of modules,
whether Nengo, numba, TensorFlow, NengoDL or matplotlib are among them (none should be, in rate
mode), and the imports that take the longest (cumulative microseconds).
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nengo_fashion.atomic import check_out_file, write_json  # noqa: E402

TARGET = 2.0
HEAVY = ("nengo", "numba", "tensorflow", "nengo_dl", "matplotlib", "scipy")


def make_picture(folder):
    """A product photo of test image 0 as ``folder/photo.jpg``."""
    import numpy as np

    from nengo_fashion import data
    from nengo_fashion.studies import photos

    image = np.rint(data.load().test.images[0].reshape(28, 28) * 255).astype(np.uint8)
    f = photos.make_photo(image, photos.VARIANTS["plain"], photos.photo_rng(0, "test", 0, "plain"))
    from PIL import Image

    path = Path(folder) / "photo.jpg"
    Image.open(f).save(path, quality=90)
    return path


def wall(cmd):
    """Seconds one run of ``cmd`` takes, start to exit; fails on a non-zero exit."""
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - t


def import_profile(cmd):
    """``python -X importtime`` of ``cmd``: module count, heavy modules, slowest imports."""
    p = subprocess.run(
        [cmd[0], "-X", "importtime", *cmd[1:]], cwd=ROOT, capture_output=True, text=True, check=True
    )
    rows = []  # (name, depth, self us, cumulative us)
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        self_us, cumulative_us, name = line[len("import time:") :].split("|")
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        rows.append((name.strip(), depth, int(self_us), int(cumulative_us)))
    names = {r[0] for r in rows}
    top_level = sorted((r for r in rows if r[1] == 0), key=lambda r: -r[3])
    return {
        "modules": len(names),
        "heavy_imported": {h: any(n == h or n.startswith(h + ".") for n in names) for h in HEAVY},
        "top_level_cumulative_us": [
            {"module": n, "cumulative_us": c, "self_us": s} for n, _, s, c in top_level[:15]
        ],
        "total_us": sum(r[3] for r in rows if r[1] == 0),
    }


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.predict_cold_start", description=__doc__.splitlines()[0]
    )
    p.add_argument("--repeats", type=int, default=10, help="timed runs of each (default 10)")
    p.add_argument("--json", default=None, help="write the numbers to this file")
    args = p.parse_args(argv)
    if args.json:
        check_out_file(args.json, "--json")
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        picture = make_picture(tmp)
        predict = [py, "-m", "nengo_fashion.predict", str(picture)]
        baseline = [py, "-c", "import numpy, PIL"]
        answer = subprocess.run(
            predict, cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout
        wall(baseline)  # warm-up: files in the page cache
        times = {"predict": [], "baseline": []}
        for _ in range(args.repeats):
            times["baseline"].append(wall(baseline))
            times["predict"].append(wall(predict))
        profile = import_profile(predict)
    med = {k: statistics.median(v) for k, v in times.items()}
    ratio = med["predict"] / med["baseline"]
    out = {
        "command": "python -m nengo_fashion.predict photo.jpg",
        "baseline": 'python -c "import numpy, PIL"',
        "picture": "a 'plain' product photo of test image 0 (nengo_fashion.studies.photos), JPEG",
        "answer": answer.strip(),
        "repeats": args.repeats,
        "seconds": times,
        "median_seconds": med,
        "ratio": ratio,
        "target_ratio": TARGET,
        "within_target": ratio <= TARGET,
        "imports": profile,
        "python": sys.version.split()[0],
    }
    print(
        f"predict {med['predict'] * 1000:.0f} ms, "
        f"import numpy, PIL {med['baseline'] * 1000:.0f} ms "
        f"(medians of {args.repeats}): ratio {ratio:.2f} (target <= {TARGET:g})"
    )
    heavy = [h for h, yes in profile["heavy_imported"].items() if yes]
    print(f"{profile['modules']} modules imported; heavy ones: {', '.join(heavy) or 'none'}")
    if args.json:
        write_json(args.json, out)
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The checks of ``scripts/wheel-check.sh``: the wheel installed as a user installs it.

Run by that script with the clean venv's python, from a folder outside the repository, after
the wheel was installed (non-editable, core dependencies only). It makes the pictures with
Pillow, then checks and measures:

- ``nengo-fashion predict shirt.jpg`` and ``nf.load().predict("shirt.jpg")`` answer, with the
  run shipped inside the package (``nf.load()`` and ``nf.load("best-relu")`` read it from the
  venv; no file of the repository is on the path);
- ``import tensorflow``, ``import nengo`` and ``import numba`` fail;
- ``nengo-fashion predict --mode spiking`` and ``--mode loihi`` end with the one line that
  names their extra (exit status 2), and so does every command that needs one;
- the venv is under `MAX_MB` (``du -sm``);
- the cold start of ``nengo-fashion predict shirt.jpg`` (best of `REPEATS` runs) is within
  `MAX_RATIO` times that of ``python -c "import numpy, PIL.Image"`` (best of `REPEATS`);
- with ``--lowest``: the lowest numpy and Pillow that the wheel declares, installed in place
  of the newest, give the same classes on five kinds of picture (JPEG, noise, 16-bit grey,
  RGBA, EXIF-rotated), and scores within `SCORE_TOLERANCE`.

The measurements go to stdout as JSON, and with ``--write`` also to
``results/wheel_check.json`` (`nengo_fashion.atomic.write_json`, from the installed wheel).
"""

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

MAX_MB = 200
MAX_RATIO = 2.0
REPEATS = 5
SCORE_TOLERANCE = 1e-3
ABSENT = ("tensorflow", "nengo", "numba")
PICTURE = "shirt.jpg"
EXTRA_LINE = re.compile(r'error: this needs the \[(\w+)\] extra: pip install "nengo-fashion\[\1\]"')
EXTRA_COMMANDS = {
    "predict --mode spiking": (["predict", "--mode", "spiking", PICTURE], "spiking"),
    "predict --mode loihi": (["predict", "--mode", "loihi", PICTURE], "loihi"),
    "train --help": (["train", "--help"], None),
    "sweep --help": (["sweep", "--help"], None),
    "loihi --help": (["loihi", "--help"], None),
}
"""What a core install answers with one line naming an extra: ``{label: (arguments, the
extra it must name, or None for any)}``."""

MAKE_PICTURES = """
import numpy as np
from PIL import Image, ImageDraw

def garment(size, ink, paper, mode="RGB"):
    img = Image.new(mode, size, paper)
    w, h = size
    body = [(0.3, 0.15), (0.7, 0.15), (0.9, 0.35), (0.78, 0.45), (0.72, 0.38), (0.72, 0.9),
            (0.28, 0.9), (0.28, 0.38), (0.22, 0.45), (0.1, 0.35)]
    ImageDraw.Draw(img).polygon([(x * w, y * h) for x, y in body], fill=ink)
    return img

garment((240, 300), (60, 60, 70), (245, 245, 240)).save("shirt.jpg", quality=90)
rng = np.random.RandomState(0)
Image.fromarray(rng.randint(0, 256, (64, 48, 3), dtype=np.uint8)).save("noise.png")
ramp = np.tile(np.linspace(0, 65535, 50).astype(np.uint16), (40, 1))
Image.fromarray(ramp).save("grey16.png")  # mode I;16
garment((120, 150), (200, 30, 30, 255), (0, 0, 0, 0), "RGBA").save("rgba.png")
img = garment((300, 240), (20, 20, 20), (255, 255, 255))
exif = img.getexif()
exif[0x0112] = 6  # orientation: rotated 90 degrees
img.save("exif.jpg", exif=exif.tobytes())
"""
PICTURES = ["shirt.jpg", "noise.png", "grey16.png", "rgba.png", "exif.jpg"]

ANSWERS = """
import json, sys
import numpy, PIL
import nengo_fashion as nf
r = nf.load().predict(sys.argv[1:])
print(json.dumps({"numpy": numpy.__version__, "Pillow": PIL.__version__,
                  "labels": r.labels.tolist(), "scores": r.scores.tolist()}))
"""


def run(cmd, check=False):
    """``subprocess.run`` with text output captured; with ``check``, a failure ends the
    check with the command's last lines of stderr."""
    r = subprocess.run(cmd, capture_output=True, text=True)
    if check and r.returncode:
        tail = "\n".join(r.stderr.strip().splitlines()[-5:])
        sys.exit(f"wheel-check: {' '.join(cmd[:3])} ... failed ({r.returncode}):\n{tail}")
    return r


def best_of(commands, repeats=REPEATS):
    """``{name: seconds of each run}`` of each command, alternately (after one warm-up each),
    so that a background load hits all alike."""
    times = {name: [] for name in commands}
    for i in range(repeats + 1):
        for name, cmd in commands.items():
            t = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            if i:
                times[name].append(time.perf_counter() - t)
    return times


def answers(python, pictures):
    """The API's labels and scores (and numpy's and Pillow's versions), in a new process."""
    out = run([python, "-c", ANSWERS, *pictures], check=True).stdout
    return json.loads(out)


def lowest(python, pictures, newest):
    """Install the lowest numpy and Pillow the wheel declares; compare the answers."""
    from importlib.metadata import requires

    floors = []
    for req in requires("nengo-fashion"):
        m = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", req.strip())
        if m and "extra" not in req:
            floors.append(f"{m.group(1)}=={m.group(2)}")
    run([python, "-m", "pip", "install", "--quiet", *floors], check=True)
    old = answers(python, pictures)
    diff = max(abs(a - b) for x, y in zip(newest["scores"], old["scores"]) for a, b in zip(x, y))
    return {
        "installed": floors,
        "versions": {"numpy": old["numpy"], "Pillow": old["Pillow"]},
        "same_labels": old["labels"] == newest["labels"],
        "max_score_difference": diff,
        "tolerance": SCORE_TOLERANCE,
        "ok": old["labels"] == newest["labels"] and diff <= SCORE_TOLERANCE,
    }


def extra_lines(script):
    """``{label: the extra named (None: no such line), exit status}`` for `EXTRA_COMMANDS`."""
    out = {}
    for label, (args, expected) in EXTRA_COMMANDS.items():
        r = run([script, *args])
        lines = r.stderr.strip().splitlines()
        m = EXTRA_LINE.fullmatch(lines[-1]) if len(lines) == 1 else None
        named = m.group(1) if m else None
        ok = r.returncode == 2 and named is not None and expected in (None, named)
        out[label] = {"extra": named, "exit": r.returncode, "ok": ok}
    return out


def measure(venv, wheel):
    """Every check and measurement but ``--lowest``'s, and the answers on `PICTURES`."""
    python = str(Path(venv) / "bin" / "python")
    script = str(Path(venv) / "bin" / "nengo-fashion")
    run([python, "-c", MAKE_PICTURES], check=True)
    cli = run([script, "predict", PICTURE])
    api = run([python, "-c", f"import nengo_fashion as nf; print(nf.load().predict({PICTURE!r}))"])
    where = run(
        [
            python,
            "-c",
            "import nengo_fashion as nf; print(nf.load('best-relu').path, nf.load().path)",
        ]
    ).stdout.split()
    absent = {m: run([python, "-c", f"import {m}"]).returncode != 0 for m in ABSENT}
    mb = int(run(["du", "-sm", venv], check=True).stdout.split()[0])
    times = best_of(
        {
            "predict": [script, "predict", PICTURE],
            "baseline": [python, "-c", "import numpy, PIL.Image"],
        }
    )
    best = {k: min(v) for k, v in times.items()}
    ratio = best["predict"] / best["baseline"]
    installed = run([python, "-m", "pip", "list", "--format", "json"], check=True).stdout
    result = {
        "wheel": {"file": Path(wheel).name, "kb": round(Path(wheel).stat().st_size / 1024)},
        "python": sys.version.split()[0],
        "installed": {p["name"]: p["version"] for p in json.loads(installed)},
        "picture": f"{PICTURE}: a dark T-shirt shape drawn on white with Pillow, 240 x 300 JPEG",
        "cli": {
            "command": f"nengo-fashion predict {PICTURE}",
            "exit": cli.returncode,
            "answer": cli.stdout.strip(),
        },
        "api": {
            "command": f"nf.load().predict({PICTURE!r})",
            "exit": api.returncode,
            "answer": api.stdout.strip(),
        },
        "packaged_run_in_venv": len(where) == 2
        and where[0] == where[1]
        and where[0].startswith(str(venv)),
        "not_importable": absent,
        "extra_lines": extra_lines(script),
        "venv_mb": mb,
        "max_mb": MAX_MB,
        "seconds": times,
        "best_seconds": best,
        "ratio": ratio,
        "max_ratio": MAX_RATIO,
        "baseline": 'python -c "import numpy, PIL.Image"',
    }
    return result


def checks(result):
    """``{check: passed}``."""
    out = {
        "cli answers": result["cli"]["exit"] == 0 and PICTURE in result["cli"]["answer"],
        "api answers": result["api"]["exit"] == 0 and PICTURE in result["api"]["answer"],
        "packaged run read from the venv": result["packaged_run_in_venv"],
        "tensorflow, nengo, numba not importable": all(result["not_importable"].values()),
        "missing extras named": all(v["ok"] for v in result["extra_lines"].values()),
        f"venv under {MAX_MB} MB": result["venv_mb"] < MAX_MB,
        f"cold start within {MAX_RATIO}x": result["ratio"] <= MAX_RATIO,
    }
    if "lowest" in result:
        out["lowest numpy and Pillow give the same answers"] = result["lowest"]["ok"]
    return out


def main(argv=None):
    p = argparse.ArgumentParser(prog="scripts/wheel_check.py", description=__doc__)
    p.add_argument("--venv", required=True, help="the clean venv the wheel is installed in")
    p.add_argument("--wheel", required=True, help="the wheel file")
    p.add_argument("--repo", required=True, help="the repository (for --write)")
    p.add_argument("--write", action="store_true", help="also write results/wheel_check.json")
    p.add_argument("--lowest", action="store_true", help="also check the lowest numpy, Pillow")
    args = p.parse_args(argv)
    if Path(args.repo).resolve() in (Path.cwd().resolve(), *Path.cwd().resolve().parents):
        sys.exit("wheel-check: run it from a folder outside the repository")
    result = measure(args.venv, args.wheel)
    if args.lowest:
        python = str(Path(args.venv) / "bin" / "python")
        newest = answers(python, PICTURES)
        result["lowest"] = lowest(python, PICTURES, newest)
        result["lowest"]["newest_versions"] = {"numpy": newest["numpy"], "Pillow": newest["Pillow"]}
    result["checks"] = checks(result)
    result["ok"] = all(result["checks"].values())
    print(json.dumps(result, indent=2))
    if args.write:
        from nengo_fashion.atomic import write_json

        write_json(Path(args.repo) / "results" / "wheel_check.json", result)
    print(
        f"wheel-check: venv {result['venv_mb']} MB, cold start {result['ratio']:.2f}x "
        f"({result['best_seconds']['predict']:.3f} s against "
        f"{result['best_seconds']['baseline']:.3f} s)",
        file=sys.stderr,
    )
    failed = [name for name, ok in result["checks"].items() if not ok]
    if failed:
        print(f"wheel-check: FAILED: {'; '.join(failed)}", file=sys.stderr)
        return 1
    print("wheel-check: ok", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

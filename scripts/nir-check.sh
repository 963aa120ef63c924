#!/usr/bin/env bash
# Cross-check the NIR export (issue 12): run model.nir in Norse and in sinabs and
# compare their predictions with NengoDL's.
#
#   bash scripts/nir-check.sh                    # best-relu and best-lif, all 10,000 test images
#   bash scripts/nir-check.sh thesis-relu        # other runs (folders in results/)
#   bash scripts/nir-check.sh seeds/best-relu-keep20/seed-0   # -> results/nir/seeds-best-relu-keep20-seed-0
#   bash scripts/nir-check.sh --n-images 1000    # a quick check (written to build/nir-check/)
#   bash scripts/nir-check.sh --venv-only        # only build the second venv (setup.sh --with-nir-check)
#
#   NIR_VENV=.venv-nir   the second venv (torch, nir, nirtorch, norse, sinabs; no nengo, no TF)
#   MAIN_PY=.venv/bin/python   the main venv's python (scripts/setup.sh), for the export
#   PYTHON=python3       the python (>= 3.10, for nir 1.0.8) that makes the second venv
#
# A separate venv because torch's typing-extensions cannot live beside TensorFlow
# 2.12's typing-extensions<4.6. For each run it writes, with the main venv,
# build/nir-check/RUN/{model.nir,reference.npz} (the export and NengoDL's spiking
# predictions on the test images), then, with the second venv,
# results/nir/RUN/nir_check.json and a copy of model.nir there. With --n-images the
# report stays in build/nir-check/RUN/ (results/ holds the full 10,000-image runs).
set -euo pipefail
cd "$(dirname "$0")/.."
NIR_VENV=${NIR_VENV:-.venv-nir}
MAIN_PY=${MAIN_PY:-.venv/bin/python}
PYTHON=${PYTHON:-python3}
WORK=build/nir-check

VENV_ONLY=""
N_IMAGES=""
RUNS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --venv-only) VENV_ONLY=1 ;;
    --n-images) N_IMAGES=${2:?--n-images needs a number}; shift ;;
    --n-images=*) N_IMAGES=${1#*=} ;;
    -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
    -*) echo "nir-check: unknown option $1 (known: --venv-only, --n-images N)" >&2; exit 2 ;;
    *) RUNS+=("$1") ;;
  esac
  shift
done
if [ ${#RUNS[@]} -eq 0 ]; then RUNS=(best-relu best-lif); fi

# Everything the second venv holds, pinned (pip freeze of a working one). torch is
# installed FIRST and alone: 2.13.0 is a local CPU build here, while an unpinned
# torch pulled in by another package would be a CUDA build of several GB.
# norse and sinabs go in with --no-deps: sinabs 3.1.3 asks for nir<=1.0.4 and for
# samna (SynSense's device library); neither is needed to simulate. Their real
# needs are installed by hand: numpy, nir, nirtorch (both); pbr and matplotlib
# (sinabs imports them). norse's torchvision is not needed for norse.torch.
PINS="contourpy==1.3.3 cycler==0.12.1 filelock==4.3.1 fonttools==4.68.0 fsspec==2026.9.0
h5py==3.16.0 Jinja2==3.1.6 kiwisolver==1.5.1 MarkupSafe==3.0.4 matplotlib==3.11.2 mpmath==1.3.0
networkx==3.6.1 nir==1.0.8 nirtorch==2.6 numpy==2.4.6 packaging==26.4 pbr==7.1.3 pillow==13.0.0
pyparsing==3.3.3 python-dateutil==4.0.0 sympy==1.14.0 typing_extensions==4.16.0 tzdata==2026.6"
NO_DEPS="norse==1.1.0 sinabs==3.1.3"
STAMP_TEXT="torch==2.13.0 $PINS $NO_DEPS"

build_venv() {
  local stamp="$NIR_VENV/.nir-check-pins"
  if [ -x "$NIR_VENV/bin/python" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$STAMP_TEXT" ]; then
    echo "nir-check: $NIR_VENV is up to date"
    return
  fi
  "$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 10):
    sys.exit(f"nir-check: nir 1.0.8 needs Python >= 3.10, found {sys.version.split()[0]};"
             " run with PYTHON=python3.11")
PY
  echo "nir-check: building $NIR_VENV (torch 2.13.0 CPU, nir, nirtorch, norse, sinabs)"
  rm -f "$stamp"
  if [ ! -x "$NIR_VENV/bin/python" ]; then "$PYTHON" -m venv "$NIR_VENV"; fi
  local pip=("$NIR_VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
  local constraints="$NIR_VENV/nir-check-constraints.txt"
  echo "$PINS" | tr ' ' '\n' >"$constraints"
  "${pip[@]}" -c "$constraints" "torch==2.13.0"
  # shellcheck disable=SC2086
  "${pip[@]}" -c "$constraints" $PINS
  # shellcheck disable=SC2086
  "${pip[@]}" --no-deps $NO_DEPS
  "$NIR_VENV/bin/python" -c "import warnings; warnings.filterwarnings('ignore'); \
import torch, nir, nirtorch, norse.torch, sinabs; \
print('nir-check: ok: torch', torch.__version__, '| nir', nir.version, '| nirtorch', \
nirtorch.__version__, '| norse', norse.__version__, '| sinabs', sinabs.__version__)"
  echo "$STAMP_TEXT" >"$stamp"
}

build_venv
if [ -n "$VENV_ONLY" ]; then exit 0; fi

if [ ! -x "$MAIN_PY" ]; then
  echo "nir-check: $MAIN_PY not found: run bash scripts/setup.sh first (or set MAIN_PY)" >&2
  exit 2
fi
N_ARGS=()
if [ -n "$N_IMAGES" ]; then N_ARGS=(--n-images "$N_IMAGES"); fi
for run in "${RUNS[@]}"; do
  label="${run//\//-}"  # a run in a subfolder (seeds/NAME/seed-0) gets a flat name
  work="$WORK/$label"
  if [ -n "$N_IMAGES" ]; then out="$work"; else out="results/nir/$label"; fi
  echo "nir-check: $run: export and NengoDL reference ($MAIN_PY)"
  "$MAIN_PY" -m nengo_fashion.export --run "results/$run" --out "$work" --reference "${N_ARGS[@]}"
  echo "nir-check: $run: Norse and sinabs ($NIR_VENV)"
  "$NIR_VENV/bin/python" scripts/nir_check.py "$work" --out "$out/nir_check.json" "${N_ARGS[@]}"
  if [ "$out" != "$work" ]; then
    cp "$work/model.nir" "$out/.model.nir.tmp" && mv "$out/.model.nir.tmp" "$out/model.nir"
    echo "nir-check: copied $work/model.nir to $out/"
  fi
done

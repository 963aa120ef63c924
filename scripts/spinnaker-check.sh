#!/usr/bin/env bash
# The SpiNNaker backend's check (issue 29): for each run, choose the mapping on the validation
# split, run all 10,000 test images through the PyNN model in PyNN's Brian 2 simulator and
# through the executor with the same semantics, and map the model with sPyNNaker on a virtual
# SpiNN-5 board.
#
#   bash scripts/spinnaker-check.sh                   # best-relu and thesis-relu -> results/spinnaker/RUN/
#   bash scripts/spinnaker-check.sh thesis-relu       # other runs (their NIR graph: results/nir/RUN/model.nir)
#   bash scripts/spinnaker-check.sh --n-images 1000   # a quick check, into build/spinnaker-check/RUN/
#   bash scripts/spinnaker-check.sh --overwrite       # replace the files in results/spinnaker/RUN/
#   bash scripts/spinnaker-check.sh --venv-only       # only build the venv (setup.sh --with-spinnaker)
#
#   SPINNAKER_VENV=.venv-spinnaker   the venv (PyNN, Brian 2, sPyNNaker, nir; no nengo, no TF)
#   PYTHON=python3                   the python (>= 3.10, for PyNN 0.13) that makes it
#
# Writes spinnaker_tune.json (validation), spinnaker.json (test) and spinnaker_board.json
# (the virtual board). Fails if PyNN's simulation agrees with the executor on fewer than
# 99.5 % of the predictions, or if sPyNNaker's fixed-point weights are not the mapping's.
set -euo pipefail
cd "$(dirname "$0")/.."
SPINNAKER_VENV=${SPINNAKER_VENV:-.venv-spinnaker}
PYTHON=${PYTHON:-python3}
WORK=build/spinnaker-check

VENV_ONLY=""
N_ARGS=()
OVERWRITE=()
RUNS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --venv-only) VENV_ONLY=1 ;;
    --n-images) N_ARGS=(--n-images "${2:?--n-images needs a number}"); shift ;;
    --n-images=*) N_ARGS=(--n-images "${1#*=}") ;;
    --overwrite) OVERWRITE=(--overwrite) ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    -*) echo "spinnaker-check: unknown option $1 (known: --venv-only, --n-images N, --overwrite)" >&2; exit 2 ;;
    *) RUNS+=("$1") ;;
  esac
  shift
done
if [ ${#RUNS[@]} -eq 0 ]; then RUNS=(best-relu thesis-relu); fi

build_venv() {
  local stamp="$SPINNAKER_VENV/.spinnaker-pins"
  if [ -x "$SPINNAKER_VENV/bin/python" ] && [ -f "$stamp" ] && cmp -s "$stamp" requirements/spinnaker.txt; then
    echo "spinnaker-check: $SPINNAKER_VENV is up to date"
  else
    "$PYTHON" - <<'PY'
import sys
if sys.version_info < (3, 10):
    sys.exit(f"spinnaker-check: PyNN 0.13 needs Python >= 3.10, found {sys.version.split()[0]};"
             " run with PYTHON=python3.11")
PY
    echo "spinnaker-check: building $SPINNAKER_VENV (PyNN 0.13, Brian 2.9, sPyNNaker 7.4.1, numpy 1.26)"
    rm -f "$stamp"
    if [ ! -x "$SPINNAKER_VENV/bin/python" ]; then "$PYTHON" -m venv "$SPINNAKER_VENV"; fi
    local pip=("$SPINNAKER_VENV/bin/python" -m pip install --quiet --disable-pip-version-check)
    "${pip[@]}" -r requirements/spinnaker.txt
    cp requirements/spinnaker.txt "$stamp"
  fi
  # the package itself, editable, without its dependencies (the backend needs only numpy)
  "$SPINNAKER_VENV/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -e .
  "$SPINNAKER_VENV/bin/python" -c "import pyNN, brian2, spynnaker, numpy, nengo_fashion.spinnaker.run; \
print('spinnaker-check: ok: PyNN', pyNN.__version__, '| Brian 2', brian2.__version__, '| numpy', \
numpy.__version__)"
}

build_venv
if [ -n "$VENV_ONLY" ]; then exit 0; fi

PY="$SPINNAKER_VENV/bin/python"
for run in "${RUNS[@]}"; do
  nir="results/nir/$run/model.nir"
  if [ ${#N_ARGS[@]} -gt 0 ]; then
    out="$WORK/$run"
    rm -rf "$out"  # this script's own scratch folder
  else
    out="results/spinnaker/$run"
  fi
  echo "spinnaker-check: $run: choosing the mapping on the validation split"
  "$PY" -m nengo_fashion.spinnaker.tune --nir "$nir" --out "$out" ${OVERWRITE[@]+"${OVERWRITE[@]}"}
  echo "spinnaker-check: $run: test images in PyNN (Brian 2) and the executor"
  "$PY" -m nengo_fashion.spinnaker --nir "$nir" --tuned "$out/spinnaker_tune.json" --out "$out" \
    ${N_ARGS[@]+"${N_ARGS[@]}"} ${OVERWRITE[@]+"${OVERWRITE[@]}"}
  echo "spinnaker-check: $run: sPyNNaker's mapping on a virtual board"
  "$PY" -m nengo_fashion.spinnaker.board --nir "$nir" --tuned "$out/spinnaker_tune.json" \
    --out "$out" ${OVERWRITE[@]+"${OVERWRITE[@]}"}
  "$PY" - "$out" <<'PY'
import json, sys
from pathlib import Path
out = Path(sys.argv[1])
run = json.loads((out / "spinnaker.json").read_text())
board = json.loads((out / "spinnaker_board.json").read_text())
problems = []
if run["agreement"] < 0.995:
    problems.append(f"PyNN and the executor agree on {run['agreement']:.2%} (< 99.5 %)")
for layer, check in board["checks"].items():
    if check["spynnaker_shifts"] != check["plan_shifts"] or check["max_weight_difference_mv"]:
        problems.append(f"sPyNNaker's {layer} weights are not the mapping's: {check}")
if problems:
    sys.exit("spinnaker-check: " + "; ".join(problems))
print(f"spinnaker-check: {out}: agreement {run['agreement']:.2%}, PyNN accuracy "
      f"{run['accuracy']:.2%} on {run['n_images']} test images; sPyNNaker's weights are the mapping's")
PY
done

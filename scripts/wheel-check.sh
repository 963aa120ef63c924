#!/usr/bin/env bash
# The package as a user gets it: build the wheel, install it NON-editable with only its core
# dependencies (numpy and Pillow, from the package index) into a clean venv, and from a
# folder outside the repository check what a user runs first (scripts/wheel_check.py):
# `nengo-fashion predict PICTURE` and `nf.load().predict(PICTURE)` answer; TensorFlow, Nengo
# and numba are not importable; a mode or command of an extra says which extra to install;
# the venv is under 200 MB; the one-picture cold start (best of 5) is within 2x
# `python -c "import numpy, PIL.Image"` (best of 5).
#
#   bash scripts/wheel-check.sh            # the measurements as JSON on stdout
#   bash scripts/wheel-check.sh --write    # ... and into results/wheel_check.json
#   bash scripts/wheel-check.sh --lowest   # also: the lowest numpy and Pillow that the wheel
#                                          # declares give the same answers
#   PYTHON=python3.11 bash scripts/wheel-check.sh   # the python of the clean venv
#
# The wheel is built from a copy of the files git sees (tracked, and untracked but not
# ignored), so that no build/ folder or stale file of the work tree reaches it. Progress
# goes to stderr; the exit status is 1 when a check fails (its line says which).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$(pwd)
PYTHON=${PYTHON:-python3}
ARGS=()
for arg in "$@"; do
  case "$arg" in
    --write | --lowest) ARGS+=("$arg") ;;
    *) echo "wheel-check: unknown option $arg (known: --write, --lowest)" >&2; exit 2 ;;
  esac
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/nengo-fashion-wheel.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
echo "wheel-check: working in $WORK" >&2

# 1. the source as git sees it, and the wheel built from it (build isolation: pip fetches
#    the build backend that pyproject.toml names)
mkdir "$WORK/src"
git ls-files -z --cached --others --exclude-standard \
  | while IFS= read -r -d '' f; do if [ -f "$f" ]; then printf '%s\0' "$f"; fi; done \
  | tar --null -T - -cf - | tar -x -C "$WORK/src"
"$PYTHON" -m venv "$WORK/venv"
VPY="$WORK/venv/bin/python"
"$VPY" -m pip wheel --quiet --no-deps -w "$WORK/dist" "$WORK/src" >&2
WHEEL=$(ls "$WORK"/dist/nengo_fashion-*.whl)
echo "wheel-check: built $(basename "$WHEEL") ($(du -k "$WHEEL" | cut -f1) KB)" >&2

# 2. installed as a user installs it: non-editable, the core dependencies only
"$VPY" -m pip install --quiet "$WHEEL" >&2
rm -rf "$WORK/src"

# 3. the checks, from a folder outside the repository
mkdir "$WORK/outside"
cd "$WORK/outside"
unset PYTHONPATH  # nothing of the repository on the path
"$VPY" "$REPO/scripts/wheel_check.py" --venv "$WORK/venv" --wheel "$WHEEL" --repo "$REPO" \
  ${ARGS[@]+"${ARGS[@]}"}

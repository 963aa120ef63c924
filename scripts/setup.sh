#!/usr/bin/env bash
# Install nengo-fashion: the real Fashion-MNIST (Debian package) and the pinned
# Python stack in a virtual environment: the package (editable) with every extra
# (pyproject.toml: all, test, distributed; docs with --with-docs), pinned by
# requirements/constraints.txt. A user who only classifies pictures needs none of this:
# pip install nengo-fashion (numpy and Pillow; docs/usage.md).
#
#   bash scripts/setup.sh            # makes .venv/ in the repository
#   VENV=/path/to/env bash scripts/setup.sh
#   PYTHON=python3.10 bash scripts/setup.sh
#   NO_APT=1 bash scripts/setup.sh   # skip apt (the data then comes from elsewhere)
#   bash scripts/setup.sh --with-browser   # also Chromium + driver, for the GUI's browser test
#   bash scripts/setup.sh --with-nir-check # also .venv-nir/ (torch, Norse, sinabs) for the NIR cross-check
#   bash scripts/setup.sh --with-docs      # also the "docs" extra (Sphinx, MyST), to build docs/ as a site
#   bash scripts/setup.sh --with-spinnaker # also .venv-spinnaker/ (PyNN, Brian 2, sPyNNaker) for the SpiNNaker backend
set -euo pipefail
WITH_BROWSER=""
WITH_NIR_CHECK=""
WITH_DOCS=""
WITH_SPINNAKER=""
for arg in "$@"; do
  case "$arg" in
    --with-browser) WITH_BROWSER=1 ;;
    --with-nir-check) WITH_NIR_CHECK=1 ;;
    --with-docs) WITH_DOCS=1 ;;
    --with-spinnaker) WITH_SPINNAKER=1 ;;
    *) echo "setup: unknown option $arg (known: --with-browser, --with-nir-check, --with-docs, --with-spinnaker)" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
apt_install() {
  $SUDO apt-get install -y "$@" || { $SUDO apt-get update && $SUDO apt-get install -y "$@"; }
}
HAVE_APT=""
if [ -z "${NO_APT:-}" ] && command -v apt-get >/dev/null 2>&1; then HAVE_APT=1; fi

# 1. the data: Debian's dataset-fashion-mnist (the original IDX files)
DATA=/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz
if [ -f "$DATA" ]; then
  echo "setup: Fashion-MNIST found in /usr/share/datasets/fashion-mnist"
elif [ -n "$HAVE_APT" ]; then
  echo "setup: installing dataset-fashion-mnist with apt-get"
  apt_install dataset-fashion-mnist
else
  echo "setup: no apt-get; give the data with --data-dir or \$NENGO_FASHION_DATA," \
    "or let Keras download it on first use (online)"
fi
if [ -n "$WITH_BROWSER" ]; then
  if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    echo "setup: chromium and chromedriver found"
  elif [ -n "$HAVE_APT" ]; then
    echo "setup: installing chromium and chromium-driver with apt-get"
    apt_install chromium chromium-driver
  else
    echo "setup: no apt-get: install Chromium and its driver to run the GUI browser test"
  fi
fi

# 2. Python 3.9-3.11 (tensorflow 2.12 has no wheels for newer Pythons; the package needs
#    3.9, and so does setuptools 77, its build backend)
"$PYTHON" - <<'PY'
import sys
if not ((3, 9) <= sys.version_info[:2] <= (3, 11)):
    sys.exit(f"setup: Python 3.9-3.11 is needed (tensorflow 2.12), found {sys.version.split()[0]};"
             " run with PYTHON=python3.11")
PY

# 3. the pinned stack, in one resolver pass (constraints pin every transitive
#    package, so a newer TensorFlow or numpy 2 can never slip in)
if [ ! -x "$VENV/bin/python" ]; then "$PYTHON" -m venv "$VENV"; fi
"$VENV/bin/python" -m pip install --quiet --upgrade "pip>=23" "setuptools>=77" wheel
# the constraints were frozen on Python 3.11; on 3.9-3.10 pyproject.toml's pins alone apply
if "$VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  CONSTRAINTS="-c requirements/constraints.txt"
else
  CONSTRAINTS=""
  echo "setup: not Python 3.11: installing with pyproject.toml's pins only (constraints are for 3.11)"
fi
# "all": every extra the commands use (spiking, train, loihi, gui, nir); "test": pytest and
# the notebooks' and browser test's packages; "distributed" (Dask) lets commands run their
# tasks on a cluster (--scheduler); with --with-docs, the "docs" extra builds the
# documentation site (Python 3.11 only)
EXTRAS="all,test,distributed"
if [ -n "$WITH_DOCS" ]; then
  EXTRAS="$EXTRAS,docs"
  if [ -z "$CONSTRAINTS" ]; then
    echo "setup: --with-docs: the docs extra needs Python 3.11 (Sphinx 8.2); it is skipped here" >&2
  fi
fi
# shellcheck disable=SC2086
"$VENV/bin/python" -m pip install --quiet $CONSTRAINTS -e ".[$EXTRAS]"
"$VENV/bin/python" -c "import nengo, nengo_dl, nengo_loihi, nengo_extras, nengo_gui, tensorflow as tf; \
print('setup: ok: tensorflow', tf.__version__, '| nengo', nengo.__version__, '| nengo-dl', \
nengo_dl.__version__, '| nengo-loihi', nengo_loihi.__version__)" 2>/dev/null
if [ -n "$WITH_DOCS" ] && [ -n "$CONSTRAINTS" ]; then
  "$VENV/bin/python" -c "import sphinx, myst_nb, numpydoc, furo; \
print('setup: docs ok: sphinx', sphinx.__version__, '| myst-nb', myst_nb.__version__)"
fi

# 4. optional: the second venv of the NIR cross-check (torch cannot share this one:
#    its typing-extensions conflicts with tensorflow 2.12's); NIR_VENV overrides .venv-nir
if [ -n "$WITH_NIR_CHECK" ]; then
  MAIN_PY="$VENV/bin/python" PYTHON="$PYTHON" bash scripts/nir-check.sh --venv-only
fi
# 5. optional: the SpiNNaker backend's venv (PyNN, Brian 2 and sPyNNaker pin a numpy that
#    TensorFlow 2.12 cannot share); SPINNAKER_VENV overrides .venv-spinnaker
if [ -n "$WITH_SPINNAKER" ]; then
  PYTHON="$PYTHON" bash scripts/spinnaker-check.sh --venv-only
fi
echo "setup: done. Activate with: . $VENV/bin/activate"

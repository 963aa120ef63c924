"""nengo-fashion: the thesis' spiking Fashion-MNIST classifier on Nengo, NengoDL and nengo-loihi.

The stack is pinned on purpose (see README, "Why these versions"): nengo-dl 3.6.0 is
the last release and imports ``keras.engine``, which Keras 2.13+ removed.
"""

from setuptools import find_packages, setup

# the coherent, tested set; nengo-dl is an sdist whose own requirement is a bare
# "tensorflow", so tensorflow must be pinned here in the same install
INSTALL_REQUIRES = [
    "tensorflow==2.12.1",
    "nengo==3.2.0",
    "nengo-dl==3.6.0",
    "nengo-loihi==1.1.0",
    "nengo-extras==0.5.0",
    "nengo-gui==0.6.0",
    "numpy>=1.22,<1.24.4",  # tensorflow 2.12 needs <1.24.4; nengo-loihi 1.1.0 fails on numpy 2
    "matplotlib>=3.5,<3.11",
    # the spiking executor's compiled update loop (nengo_fashion/inference/executor.py); 0.58 is
    # the last numba for numpy 1.24 on Python 3.8-3.11
    "numba==0.58.1",
    # the NIR export (python -m nengo_fashion.export); nir 1.0.8 needs Python >= 3.10
    "nir==1.0.8; python_version >= '3.10'",
    # one BLAS thread within every task (nengo_fashion/tasks/worker.py)
    "threadpoolctl>=3.1",
]

EXTRAS = {
    # pytest 8 dropped the "startdir" hook argument that nengo 3.2's pytest plugin uses
    "test": [
        "pytest>=7.4,<8",
        "pytest-allclose>=1.0",
        "pytest-plt>=1.1",
        "pytest-rng>=1.0",
        "nbclient>=0.7",
        "nbformat>=5.7",
        "ipykernel>=6",
        # IPython 8.13+ imports typing_extensions.TypeAliasType, which the
        # typing-extensions<4.6 that tensorflow 2.12 needs does not have
        "ipython<8.13",
        # 4.10 is the last selenium that accepts tensorflow 2.12's typing-extensions<4.6
        "selenium==4.10.0",
    ],
    "dev": ["black==24.8.0", "ruff==0.6.9"],
    # --scheduler local|tcp://HOST:PORT: tasks on a Dask cluster (nengo_fashion/tasks/)
    "distributed": ["dask[distributed]==2026.8.0"],
    # the documentation site (docs/conf.py; bash scripts/setup.sh --with-docs). Sphinx 9
    # imports typing_extensions.TypeAliasType, which the typing-extensions<4.6 that
    # tensorflow 2.12 needs does not have, so 8.2.3; it and these need Python >= 3.11
    "docs": [
        f"{pin}; python_version >= '3.11'"
        for pin in (
            "sphinx==8.2.3",
            "myst-parser==5.2.0",
            "myst-nb==1.4.0",
            "numpydoc==1.11.0",
            "furo==2025.12.19",
        )
    ],
}

setup(
    name="nengo-fashion",
    version="0.1.0",
    description="Spiking Fashion-MNIST 784-128-10 classifier: NengoDL training, spiking "
    "inference sweeps, nengo-loihi mapping and nengo GUI",
    long_description=open("README.md").read() if __import__("os").path.exists("README.md") else "",
    long_description_content_type="text/markdown",
    license="MIT",
    packages=find_packages(include=["nengo_fashion", "nengo_fashion.*", "loihi", "loihi.*"]),
    package_data={"nengo_fashion.gui": ["model.py.cfg"]},
    python_requires=">=3.8,<3.12",
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS,
    classifiers=[
        "License :: OSI Approved :: MIT License",
        "Programming Language :: Python :: 3.11",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
    ],
)

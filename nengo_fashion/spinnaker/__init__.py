"""nengo-fashion on SpiNNaker: the same 784-128-10 network as a PyNN model for sPyNNaker.

A backend: it imports only the library, and no simulator at import time. The network comes
from the run's NIR graph (``model.nir``, which ``python -m nengo_fashion.export`` writes from
the one network definition); this package decides how SpiNNaker holds it
(`nengo_fashion.spinnaker.mapping`: cells, input code, time steps, units), puts its numbers
on SpiNNaker's fixed-point grid as sPyNNaker does (`nengo_fashion.spinnaker.fixed`), builds
the PyNN model for any PyNN backend (`nengo_fashion.spinnaker.pynn`), runs it in PyNN's Brian 2
simulator in chunks (`nengo_fashion.spinnaker.simulation`) and computes the same model in numpy
(`nengo_fashion.spinnaker.executor`, the reference). Its commands, in the command layer
(`nengo_fashion.commands`), run in the venv of ``scripts/setup.sh --with-spinnaker``:

- ``python -m nengo_fashion.spinnaker.tune``: choose the mapping on the validation split
  (`nengo_fashion.spinnaker.tune`);
- ``python -m nengo_fashion.spinnaker``: PyNN's simulation against the executor over images
  (`nengo_fashion.spinnaker.run`);
- ``python -m nengo_fashion.spinnaker.board``: sPyNNaker's mapping on a virtual board and
  its resources (`nengo_fashion.spinnaker.board`).

The whole check, for the committed runs: ``bash scripts/spinnaker-check.sh``; the manual
page: ``docs/spinnaker.md``.
"""

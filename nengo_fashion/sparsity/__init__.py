"""Sparse first-layer weights: pruning during training (`pruning`).

The first layer carries almost all of a spiking inference's synaptic operations
(each input spike reaches every non-zero synapse of its pixel), so a network
whose first-layer weights are mostly exact zeros costs proportionally less on a
chip. `pruning` holds the schedule, the magnitude mask and the masking of
NengoDL's training variables; ``python -m nengo_fashion.train --prune-keep F``
uses them, and the kept fraction is recorded in the run's ``config.json``.
"""

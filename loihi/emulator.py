"""A faster, equivalent inner loop for nengo-loihi 1.1.0's emulator.

nengo-loihi's emulator adds each incoming spike's weights to its target
compartments in a Python loop (``SynapseState.update_input``): one iteration per
spike per step. `vectorized_synapses` swaps in a version that does the same
additions for all the spikes of a step at once: a sum of integer weight rows
where every axon targets the same compartments (integer addition does not depend
on order), else ``numpy.add.at`` in the original order. The results are
bit-for-bit identical (a test compares outputs with the original on real
images). Synapses whose weights differ in shape from axon to axon, or that
learn, keep the original loop.

The swap lasts only inside the ``with`` block and is undone afterwards, even on
errors, so other nengo-loihi users in the same process are not affected.
"""

import contextlib

import numpy as np


def _dense_weights(synapse, cache):
    """``(W, I, shared)``: weights and indices stacked to ``(n_weights, populations,
    n)``, and the indices if all axons share them; None if ragged or learning."""
    key = id(synapse)
    if key not in cache:
        shapes = {w.shape for w in synapse.weights} | {i.shape for i in synapse.indices}
        if len(shapes) != 1 or synapse.learning:
            cache[key] = None
        else:
            W, idx = np.stack(synapse.weights), np.stack(synapse.indices)
            # every axon targets the same compartments (a dense weight matrix)
            same = bool(np.all(idx == idx[:1, :1]))
            cache[key] = (W, idx, idx[0, 0] if same else None)
    return cache[key]


def _make_update_input(original):
    def update_input(self, input):
        cache = self.__dict__.setdefault("_nengo_fashion_dense", {})
        for synapse, s_slice in self.items():
            spikes = self.spikes_in[synapse]
            if not spikes:
                continue
            dense = _dense_weights(synapse, cache)
            if dense is None:  # the original per-spike loop, for this synapse only
                qb = input[:, s_slice]
                for spike in spikes:
                    base = synapse.axon_compartment_base(spike.axon_idx)
                    if base is None:
                        continue
                    weights, indices = synapse.axon_weights_indices(spike.axon_idx, atom=spike.atom)
                    qb[0, base + indices] += weights
                continue
            W, idx, shared = dense
            n = len(spikes)
            axon = np.fromiter((s.axon_idx for s in spikes), dtype=np.int64, count=n)
            atom = np.fromiter((s.atom for s in spikes), dtype=np.int64, count=n)
            if synapse.axon_compartment_bases is None:
                base = np.zeros(n, dtype=np.int64)
            else:
                base = np.asarray(synapse.axon_compartment_bases)[axon]
                used = base >= 0  # a negative base marks an unused axon
                axon, atom, base = axon[used], atom[used], base[used]
            widx = axon if synapse.axon_to_weight_map is None else synapse.axon_to_weight_map[axon]
            row = input[0, s_slice]
            if (
                shared is not None
                and np.issubdtype(row.dtype, np.integer)
                and (len(base) == 0 or np.all(base == base[0]))
            ):
                # integer sums do not depend on order: add all spikes' rows at once
                if len(base):
                    row[base[0] + shared] += W[widx, atom].sum(axis=0, dtype=row.dtype)
            else:  # same additions, same order as the original loop
                np.add.at(row, (base[:, None] + idx[widx, atom]).ravel(), W[widx, atom].ravel())

    update_input.__wrapped__ = original
    return update_input


@contextlib.contextmanager
def vectorized_synapses():
    """Within this block, nengo-loihi's emulator adds spike inputs vectorised."""
    from nengo_loihi.emulator.interface import SynapseState

    original = SynapseState.update_input
    SynapseState.update_input = _make_update_input(original)
    try:
        yield
    finally:
        SynapseState.update_input = original

"""Neuron types and semantics beyond Nengo's own, one concept per module.

These modules define neuron types only: they import no engine and register nothing.
Which family uses them is `nengo_fashion.families`; how NengoDL and the numpy executor
run them is their own tables (`nengo_fashion.inference.dl_builders`,
`nengo_fashion.inference.executor.KERNELS`).

- `nengo_fashion.neurons.spike_aware`: spike-aware training (spikes forward, the rate's
  gradient backward), the thesis' variants;
- `nengo_fashion.neurons.qcfs`: the few-step QCFS families (quantised rate neuron with a
  straight-through gradient, and its integrate-and-fire counterpart);
- `nengo_fashion.neurons.thesis_spiking`: the thesis' per-image initial voltages, in
  NengoDL and in plain numpy.
- `nengo_fashion.neurons.loihi_types`: nengo-loihi's neuron models as training neurons
  (imported only when used).
"""

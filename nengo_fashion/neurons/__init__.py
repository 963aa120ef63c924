"""Neuron semantics beyond Nengo's own types, one concept per module.

- `nengo_fashion.neurons.spike_aware`: spike-aware training (spikes forward, the rate's
  gradient backward), the thesis' variants;
- `nengo_fashion.neurons.qcfs`: the few-step QCFS families (quantised rate neuron with a
  straight-through gradient, and its integrate-and-fire counterpart);
- `nengo_fashion.neurons.thesis_spiking`: the thesis' per-image initial voltages, in
  NengoDL and in plain numpy.
"""

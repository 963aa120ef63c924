"""nengo-fashion: the thesis' spiking Fashion-MNIST classifier, ported to Nengo.

Modules, one concept each:

- `nengo_fashion.data`: the real Fashion-MNIST (IDX files) and its splits;
- `nengo_fashion.network`: the one 784-128-10 network definition and neuron families;
- `nengo_fashion.config`: frozen training and spiking-inference configurations;
- `nengo_fashion.inference.dl`: running the network in NengoDL (batched, spike counting);
- `nengo_fashion.train` / `nengo_fashion.evaluate`: the command-line tools.
"""

__version__ = "0.1.0"

"""How the network runs: the engines of inference and what they measure.

- `nengo_fashion.inference.engine`: the one entry point (`run_spiking` chooses the
  engine), `evaluate_rate` and `evaluate_spiking`;
- `nengo_fashion.inference.options`: `RunOptions`, how an engine runs the network (minibatch,
  kept outputs, scored prefixes, initial voltages, engine) beside `SpikeSettings`;
- `nengo_fashion.inference.result`: `SpikingResult` and the readout over time;
- `nengo_fashion.inference.dl`: the NengoDL engine (simulators, batched prediction, the
  reference spiking run), with `nengo_fashion.inference.dl_builders`, its table of the
  neuron types NengoDL runs beyond its own;
- `nengo_fashion.inference.executor`: the compiled numpy engine and its `KERNELS` table;
- `nengo_fashion.inference.synops`: the one counter of synaptic operations;
- `nengo_fashion.inference.encoding`: input codes a chip receives (time-to-first-spike).
"""

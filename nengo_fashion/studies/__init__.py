"""The studies: experiments as runnable modules, each ``python -m nengo_fashion.studies.NAME``.

- `sweep`: spiking inference over dt, steps, synapse and scale;
- `figures`: the thesis' per-image figure for any spiking setting;
- `pareto`: accuracy against latency and spikes, chosen on validation, reported on test;
- `reproduce`: the thesis' algorithm (its Fig. 2.5), measured honestly;
- `search`: the training recipe chosen on validation;
- `seeds`: one recipe over several training seeds;
- `efficiency`: accuracy against synaptic operations and steps, from the result files;
- `result_files`: where the commands put their result files, and a checked reader of them
  (for `efficiency` and ``tools.report``);
- `notebook`: the helpers that keep the notebooks thin.

A study imports the library and the commands' functions; nothing below imports a study.
"""

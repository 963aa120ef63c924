"""``python -m nengo_fashion.evaluate``: re-evaluate a saved run on a split.

Only the ``python -m`` entry lives here (``__main__``); the command is
`nengo_fashion.commands.evaluate` and its library `nengo_fashion.inference.evaluation`.
"""

"""The command layer: every command's parser and ``main``, and nothing else.

A command module ``nengo_fashion.commands.NAME`` builds its parser from the frozen config
dataclass of its library function (`nengo_fashion.cli.add_knobs` reads the fields declared
with `nengo_fashion.config.knob`), turns the parsed options into that config, and calls the
library with it (configs in, results out). The ``python -m ...`` paths that the README and
the docs name are thin ``__main__`` modules that call these ``main`` functions.

Commands may import anything; nothing below them imports a command.
"""

COMMANDS = {
    "train": ("nengo_fashion.commands.train", "nengo_fashion.train"),
    "evaluate": ("nengo_fashion.commands.evaluate", "nengo_fashion.evaluate"),
    "predict": ("nengo_fashion.commands.predict", "nengo_fashion.predict"),
    "teacher": ("nengo_fashion.commands.teacher", "nengo_fashion.teacher"),
    "export": ("nengo_fashion.commands.export", "nengo_fashion.export"),
    "gui": ("nengo_fashion.commands.gui", "nengo_fashion.gui"),
    "seeds": ("nengo_fashion.commands.seeds", "nengo_fashion.studies.seeds"),
    "search": ("nengo_fashion.commands.search", "nengo_fashion.studies.search"),
    "reproduce": ("nengo_fashion.commands.reproduce", "nengo_fashion.studies.reproduce"),
    "sweep": ("nengo_fashion.commands.sweep", "nengo_fashion.studies.sweep"),
    "pareto": ("nengo_fashion.commands.pareto", "nengo_fashion.studies.pareto"),
    "figures": ("nengo_fashion.commands.figures", "nengo_fashion.studies.figures"),
    "efficiency": ("nengo_fashion.commands.efficiency", "nengo_fashion.studies.efficiency"),
    "photos": ("nengo_fashion.commands.photos", "nengo_fashion.studies.photos"),
    "ood": ("nengo_fashion.commands.ood", "nengo_fashion.studies.ood"),
    "loihi": ("nengo_fashion.commands.loihi", "loihi"),
    "loihi-tune": ("nengo_fashion.commands.loihi_tune", "loihi.tune"),
    "loihi-finetune": ("nengo_fashion.commands.loihi_finetune", "loihi.finetune"),
    "spinnaker": ("nengo_fashion.commands.spinnaker", "nengo_fashion.spinnaker"),
    "spinnaker-tune": ("nengo_fashion.commands.spinnaker_tune", "nengo_fashion.spinnaker.tune"),
    "spinnaker-board": ("nengo_fashion.commands.spinnaker_board", "nengo_fashion.spinnaker.board"),
}
"""The literal table of commands: ``{name: (command module, python -m path)}``."""

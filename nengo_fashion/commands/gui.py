"""``python -m nengo_fashion.gui``: the command of `nengo_fashion.gui`."""

import argparse

from ..cli import ArgumentParser, add_data_args, add_knobs, config_from_args, run_cli
from ..errors import ConfigError
from ..gui import GuiConfig, ServeConfig, run_gui
from ..gui.auth import PASSWORD_ENV


def make_parser():
    p = ArgumentParser(
        prog="python -m nengo_fashion.gui",
        description="Watch the trained spiking network classify clothes in nengo GUI.",
    )
    add_knobs(p, GuiConfig)
    add_knobs(p, ServeConfig)
    # refused with a clear error (a password in argv is visible to every user in ps)
    p.add_argument("--password", default=None, help=argparse.SUPPRESS)
    add_data_args(p, n_val=False)
    return p


def main(argv=None):
    args = make_parser().parse_args(argv)

    def run():
        if args.password is not None:
            raise ConfigError(
                "--password would show the password to every local user (ps): put it in a "
                f"file (--password-file FILE) or in ${PASSWORD_ENV}"
            )
        run_gui(config_from_args(args, GuiConfig), config_from_args(args, ServeConfig))

    return run_cli(run)

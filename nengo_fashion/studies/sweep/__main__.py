"""``python -m nengo_fashion.studies.sweep``: the command is `nengo_fashion.commands.sweep`."""

import sys

from nengo_fashion.commands.sweep import main

sys.exit(main())

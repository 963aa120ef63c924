"""``python -m nengo_fashion.studies.pareto``: the command is `nengo_fashion.commands.pareto`."""

import sys

from nengo_fashion.commands.pareto import main

sys.exit(main())

"""``python -m nengo_fashion.export``: the command is `nengo_fashion.commands.export`."""

import sys

from nengo_fashion.commands.export import main

sys.exit(main())

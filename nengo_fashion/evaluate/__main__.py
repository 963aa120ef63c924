"""``python -m nengo_fashion.evaluate``: the command is `nengo_fashion.commands.evaluate`."""

import sys

from nengo_fashion.commands.evaluate import main

sys.exit(main())

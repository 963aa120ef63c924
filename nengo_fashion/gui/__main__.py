"""``python -m nengo_fashion.gui``: `nengo_fashion.commands.gui`."""

import sys

from nengo_fashion.commands.gui import main

sys.exit(main())

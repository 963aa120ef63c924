"""``python -m nengo_fashion.train``: `nengo_fashion.commands.train`."""

import sys

from nengo_fashion.commands.train import main

sys.exit(main())

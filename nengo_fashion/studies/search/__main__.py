"""``python -m nengo_fashion.studies.search``: `nengo_fashion.commands.search`."""

import sys

from nengo_fashion.commands.search import main

sys.exit(main())

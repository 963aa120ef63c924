"""``python -m nengo_fashion.studies.photos``: the command is `nengo_fashion.commands.photos`."""

import sys

from nengo_fashion.commands.photos import main

sys.exit(main())

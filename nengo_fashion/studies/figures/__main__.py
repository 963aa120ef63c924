"""``python -m nengo_fashion.studies.figures``: the command is `nengo_fashion.commands.figures`."""

import sys

from nengo_fashion.commands.figures import main

sys.exit(main())

"""``python -m nengo_fashion.studies.reproduce``: `nengo_fashion.commands.reproduce`."""

import sys

from nengo_fashion.commands.reproduce import main

sys.exit(main())

"""``python -m nengo_fashion.studies.seeds``: `nengo_fashion.commands.seeds`."""

import sys

from nengo_fashion.commands.seeds import main

sys.exit(main())

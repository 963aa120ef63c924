"""``python -m nengo_fashion.export``."""

import sys

from . import main

sys.exit(main())

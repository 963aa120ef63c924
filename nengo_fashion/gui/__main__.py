"""``python -m nengo_fashion.gui``."""

import sys

from . import main

sys.exit(main())

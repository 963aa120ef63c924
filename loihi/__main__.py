"""``python -m loihi``: `nengo_fashion.commands.loihi`."""

import sys

from nengo_fashion.commands.loihi import main

sys.exit(main())

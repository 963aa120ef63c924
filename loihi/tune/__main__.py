"""``python -m loihi.tune``: `nengo_fashion.commands.loihi_tune`."""

import sys

from nengo_fashion.commands.loihi_tune import main

sys.exit(main())

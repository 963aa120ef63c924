"""``python -m nengo_fashion.spinnaker.tune``: `nengo_fashion.commands.spinnaker_tune`."""

import sys

from nengo_fashion.commands.spinnaker_tune import main

sys.exit(main())

"""``python -m nengo_fashion.spinnaker``: `nengo_fashion.commands.spinnaker`."""

import sys

from nengo_fashion.commands.spinnaker import main

sys.exit(main())

"""``python -m nengo_fashion.spinnaker.board``: `nengo_fashion.commands.spinnaker_board`."""

import sys

from nengo_fashion.commands.spinnaker_board import main

sys.exit(main())

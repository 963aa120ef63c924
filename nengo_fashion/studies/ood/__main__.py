"""``python -m nengo_fashion.studies.ood``: the command is `nengo_fashion.commands.ood`."""

import sys

from nengo_fashion.commands.ood import main

sys.exit(main())

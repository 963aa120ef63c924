"""``python -m nengo_fashion.studies.efficiency``: the command is
`nengo_fashion.commands.efficiency`."""

import sys

from nengo_fashion.commands.efficiency import main

sys.exit(main())

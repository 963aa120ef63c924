"""``python -m nengo_fashion.predict``: the command is `nengo_fashion.commands.predict`."""

import sys

from nengo_fashion.commands.predict import main

sys.exit(main())

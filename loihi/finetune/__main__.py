"""``python -m loihi.finetune``: `nengo_fashion.commands.loihi_finetune`."""

import sys

from nengo_fashion.commands.loihi_finetune import main

sys.exit(main())

"""``python -m nengo_fashion.teacher``: `nengo_fashion.commands.teacher`.

Train the CNN teacher for distillation and write its run folder::

    python -m nengo_fashion.teacher                    # results/teacher/, about 13 min
    python -m nengo_fashion.teacher --epochs 1 --n-train 2000 --out runs --name quick-teacher

See `nengo_fashion.teacher` for what the run folder holds.
"""

import sys

from nengo_fashion.commands.teacher import main

sys.exit(main())

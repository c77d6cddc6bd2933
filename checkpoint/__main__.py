"""``python -m checkpoint``: the same as the ``checkpoint`` console script."""

import sys

from checkpoint.cli import main

sys.exit(main())

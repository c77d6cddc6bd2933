"""Checkpoint Desk (卡口查验台): start the desktop program.

python app.py [--demo] [--lang zh_CN|en] [--screenshot FILE] [--smoke]
"""

from __future__ import annotations

import sys

from ui.app import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Checkpoint Desk (卡口查验台): start the desktop program.

python app.py [--demo] [--lang zh_CN|en] [--screenshot FILE] [--smoke]
"""

from __future__ import annotations

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the bundled exe doubles as the decode worker (spawn)
    # imported here: the decode worker (spawned) runs this file too, and needs none of the desk
    from ui.app import main

    sys.exit(main(sys.argv[1:]))

"""Frozen entry point of ``xueji-desktop`` (windowed executable on Windows)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # worker processes of a frozen app re-enter here

    from xueji_desktop.ui.app import main

    sys.exit(main())

"""Frozen entry point of ``xueji`` (console executable)."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # worker processes of a frozen app re-enter here

    from xueji_desktop.cli import main

    sys.exit(main())

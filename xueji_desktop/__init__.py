"""xueji-desktop: offline student-status (学籍) collection.

The core (everything outside ``xueji_desktop.ui``) never imports Qt, so the CLI,
tests and the GUI all stand on the same functions.
"""

__version__ = "0.1.0"

"""Guard against the PySide6 6.12.0 / Python 3.11 bug that leaks references to None on void calls
and aborts the process after ~10k calls. Runs in a subprocess so a regression fails the test, not pytest."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from PySide6.QtGui import QColor
color = QColor(1, 2, 3)
before = sys.getrefcount(None)
for _ in range(2000):
    color.setRed(5)
print(sys.getrefcount(None) - before)
"""


def test_void_qt_calls_do_not_leak_none_references():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert abs(int(result.stdout.strip())) < 100, f"None refcount drifted by {result.stdout.strip()}"

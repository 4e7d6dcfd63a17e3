"""Validation of student records against the 2022 spec.

One entry point, :func:`validate_student`, serves the GUI (as you type), the
Excel import and the package export. It returns a list of :class:`Issue`.
"""

from __future__ import annotations

from .engine import ValidationContext, status_of, validate_student
from .issues import ERROR, WARNING, Issue
from .normalize import normalize_record, normalize_value
from .spec import load_spec

__all__ = ["ERROR", "WARNING", "Issue", "ValidationContext", "load_spec", "normalize_record", "normalize_value",
           "status_of", "validate_student"]

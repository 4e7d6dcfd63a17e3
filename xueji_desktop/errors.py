"""Exceptions whose message is meant for the user (plain Chinese, says what to do)."""


class XuejiError(Exception):
    """Base for every expected failure. ``str(exc)`` is shown to the user as is."""


class WrongPassword(XuejiError):
    pass


class StoreNotFound(XuejiError):
    pass


class PermissionDenied(XuejiError):
    pass


class Cancelled(XuejiError):
    """Raised by long jobs when the user pressed cancel; nothing was changed."""

    def __init__(self, message: str = "操作已取消，数据未改变。") -> None:
        super().__init__(message)


class BadInput(XuejiError):
    """A file or value the user gave us cannot be used (bad Excel, photo, package…)."""


class DiskFull(XuejiError):
    """The disk holding the data file is full; the transaction was rolled back."""


class StoreDamaged(XuejiError):
    """The data file is damaged (a bad sector, a truncated copy, a stray write); nothing was changed."""

"""The encrypted local store: one SQLCipher file plus a keyring of wrapped keys beside it."""

from .store import Store, User

__all__ = ["Store", "User"]

"""The audit log as a person reads it: local times, field labels, student names, batches as one entry.

The log itself stays as written (``storage.audit``: one hash-chained row per change, times with their UTC
offset); this module only presents it, for the 用户与日志 page and ``xueji log``.
"""

from __future__ import annotations

from datetime import datetime


def local_time(ts: str) -> str:
    """``2026-12-04T13:45:00+00:00`` -> ``2026-12-04 21:45`` on a machine in China (UTC+8).
    Text that is not a time is returned unchanged, so a damaged entry is still shown."""
    try:
        moment = datetime.fromisoformat(ts)
    except (TypeError, ValueError):
        return ts
    if moment.tzinfo is not None:
        moment = moment.astimezone()
    return moment.strftime("%Y-%m-%d %H:%M")

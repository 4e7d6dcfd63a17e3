"""Find a student from anywhere (Ctrl+F in the GUI, ``xueji find``): by a part of the name, the pinyin
initials of the name (张晓雪 -> "zxx"), or digits of the ID number (its start, or any 4+ digits in it).

The index holds five short columns per student (no decryption of records); initials are computed per
distinct character (``derive.pinyin_sort_keys``), so 200,000 names index in about a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..derive import pinyin_sort_keys
from .students import STATUS_NAMES

_ID_TEXT = re.compile(r"^[0-9Xx]+$")
_LATIN = re.compile(r"^[A-Za-z]+$")


@dataclass(frozen=True)
class Hit:
    student_id: int
    name: str
    class_name: str
    id_number: str
    status: str

    @property
    def status_name(self) -> str:
        return STATUS_NAMES.get(self.status, self.status)

    def as_dict(self) -> dict[str, object]:
        return {"student_id": self.student_id, "name": self.name, "class": self.class_name,
                "id_number": self.id_number, "status": self.status_name}


class StudentIndex:
    """Every student's name, initials, ID number and class, read once; ``find`` takes milliseconds."""

    def __init__(self, conn) -> None:
        rows = conn.execute("SELECT s.id, s.name, COALESCE(s.id_number, ''), COALESCE(c.name, '未分班'), s.status"
                            " FROM students s LEFT JOIN classes c ON c.id = s.class_id"
                            " ORDER BY c.stage, c.entry_year DESC, c.number, s.name").fetchall()
        self.hits = [Hit(r[0], r[1] or "", r[3], r[2], r[4]) for r in rows]
        self.initials = ["".join(reading[0] for reading in key[0::2] if reading)
                         for key in pinyin_sort_keys([h.name for h in self.hits])]

    def find(self, text: str, limit: int = 30) -> list[Hit]:
        """Best matches first: the exact name, then names (or initials, or ID numbers) that start with the
        text, then those that contain it."""
        text = text.strip()
        if not text:
            return []
        if _ID_TEXT.match(text) and any(ch.isdigit() for ch in text):
            needle = text.upper()
            keys = [h.id_number.upper() for h in self.hits]
            return self._ranked(needle, keys, limit, contains=len(needle) >= 4)
        if _LATIN.match(text):
            return self._ranked(text.lower(), self.initials, limit, contains=True)
        return self._ranked(text, [h.name for h in self.hits], limit, contains=True)

    def _ranked(self, needle: str, keys: list[str], limit: int, *, contains: bool) -> list[Hit]:
        exact, starts, inside = [], [], []
        for hit, key in zip(self.hits, keys, strict=True):
            if key == needle:
                exact.append(hit)
            elif key.startswith(needle):
                starts.append(hit)
            elif contains and needle in key:
                inside.append(hit)
            if len(exact) >= limit:
                break
        return (exact + starts + inside)[:limit]


def find_students(conn, text: str, limit: int = 30) -> list[Hit]:
    return StudentIndex(conn).find(text, limit)

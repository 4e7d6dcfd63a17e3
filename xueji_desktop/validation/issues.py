"""The issue type every validator returns."""

from __future__ import annotations

from dataclasses import dataclass

ERROR = "error"      # blocks export
WARNING = "warning"  # needs a recorded confirmation


@dataclass(frozen=True)
class Issue:
    field: str        # field key; member fields as "members.0.id_number"
    severity: str     # ERROR | WARNING
    code: str         # stable machine code, e.g. "id.checksum"
    message: str      # plain Chinese: names the field and says how to fix it

    def to_dict(self) -> dict[str, str]:
        # not dataclasses.asdict: it deep-copies field by field, ~10× slower (called per issue on big imports)
        return {"field": self.field, "severity": self.severity, "code": self.code, "message": self.message}

    @classmethod
    def from_dict(cls, data: dict[str, str]) -> Issue:
        return cls(data["field"], data["severity"], data["code"], data["message"])

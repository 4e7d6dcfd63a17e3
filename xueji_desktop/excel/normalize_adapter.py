"""TEMPORARY bridge to the validation engine's normaliser (issue 3, ``validation/normalize.py``).

Until that module lands on main this minimal fallback turns option names / codes / "code-name"
into codes and common date spellings into YYYY-MM-DD, keeping anything it cannot parse verbatim
with an error issue. Delete the fallback once ``validation.normalize`` is merged.
"""

from __future__ import annotations

try:  # pragma: no cover - depends on merge state
    from ..validation.normalize import normalize_record  # type: ignore[attr-defined]
except ImportError:  # pragma: no cover
    import re
    import unicodedata
    from datetime import date
    from typing import Any

    from ..validation import ERROR, Issue
    from ..validation.spec import Field, load_spec

    _DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")

    def _norm_value(f: Field, value: str) -> tuple[str, str | None]:
        spec = load_spec()
        v = unicodedata.normalize("NFKC", value).strip()
        if not v:
            return "", None
        if f.codes:
            table = spec.codes[f.codes]
            if v in table.by_code:
                return v, None
            by_name = {n: c for c, n in table.values}
            if v in by_name:
                return by_name[v], None
            m = re.match(r"^([0-9A-Za-z]+)\s*[-_:：\s]\s*(.+)$", v)
            if m and m.group(1).upper() in table.by_code:
                return m.group(1).upper(), None
            return value, f"{f.label}“{value}”不在代码表中，请从下拉列表中选择。"
        if f.type == "date":
            m = _DATE.match(v) or re.match(r"^(\d{4})(\d{2})(\d{2})$", v)
            if m:
                try:
                    return date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat(), None
                except ValueError:
                    pass
            return value, f"{f.label}“{value}”不是有效日期，请按 YYYY-MM-DD 填写。"
        if f.type == "id_number":
            return v.upper().replace(" ", ""), None
        return v, None

    def normalize_record(raw: dict[str, Any], *, stage: int | None = None) -> tuple[dict[str, Any], list[Issue]]:
        spec = load_spec()
        issues: list[Issue] = []
        out: dict[str, Any] = {}
        for f in spec.student_fields:
            if f.key in raw:
                out[f.key], problem = _norm_value(f, str(raw[f.key]))
                if problem:
                    issues.append(Issue(f.key, ERROR, "format", problem))
        members = []
        for i, m in enumerate(raw.get("members") or []):
            nm: dict[str, Any] = {}
            for f in spec.member_fields:
                if f.key in m:
                    nm[f.key], problem = _norm_value(f, str(m[f.key]))
                    if problem:
                        issues.append(Issue(f"members.{i}.{f.key}", ERROR, "format", f"家庭成员{i + 1}{problem}"))
            members.append(nm)
        out["members"] = members
        for k, v in raw.items():  # keys the spec does not know are kept as typed
            if k not in out:
                out[k] = v
        return out, issues

__all__ = ["normalize_record"]

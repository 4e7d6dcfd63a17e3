"""The county's rules for its schools, in one place: class caps per stage, the status changes not allowed per
stage, controlled fields, the working windows (新生注册, 在校生注册, 毕业) and the grade-1 entry age; with them
the 营养改善计划 as it travels down (county/nutrition_settings.py).

They are meta settings (records.changes.COUNTY_SETTING_PREFIXES) set only on a county store, carried down in
every init and feedback package, and shown read-only at the school; a school that tries to change one is
refused naming the county (records.gate.refuse_county_rule_at_school).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from ..errors import BadInput
from ..records.changes import KINDS, forbidden_kinds
from ..records.gate import (  # noqa: F401  (window, in_window, entry_age: the gate enforces them; re-exported)
    class_cap,
    controlled_fields,
    entry_age,
    field_label,
    in_window,
    refuse_county_rule_at_school,
    window,
)
from ..school import STAGES
from ..storage import Store
from .nutrition_settings import plan_view

WINDOWS = {"new_students": "新生注册", "registration": "在校生注册", "graduation": "毕业"}
_MONTH_DAY = re.compile(r"^(\d{2})-(\d{2})$")


def _month_day(text: str) -> str:
    m = _MONTH_DAY.match(text.strip())
    try:
        if not m:
            raise ValueError
        date(2024, int(m[1]), int(m[2]))  # a leap year: 02-29 is a valid day of a window
    except ValueError:
        raise BadInput(f"日期“{text}”应写成 月-日，如 09-01。") from None
    return text.strip()


def set_window(store: Store, window: str, start: str | None, end: str | None) -> None:
    """A yearly working window (月-日 to 月-日, may run over the new year); both None clears it."""
    refuse_county_rule_at_school(store, f"{WINDOWS.get(window, window)}工作时间")
    store.require("sysadmin")  # as caps, forbidden changes and controlled fields: county settings
    if window not in WINDOWS:
        raise BadInput(f"没有“{window}”这个工作时间：可选 {'、'.join(f'{k}（{v}）' for k, v in WINDOWS.items())}。")
    value = "" if start is None and end is None else f"{_month_day(start or '')}/{_month_day(end or '')}"
    with store.transaction() as tx:
        store.set_meta(tx, f"window.{window}", value)
        tx.audit("设置县级规则", "meta", f"window.{window}", {"value": [None, value]})


def set_entry_age(store: Store, years: int | None) -> None:
    """一年级入学年龄: at least ``years`` full years old on 8月31日 of the entry year (None clears it)."""
    refuse_county_rule_at_school(store, "一年级入学年龄")
    store.require("sysadmin")
    if years is not None and not 3 <= years <= 9:
        raise BadInput("一年级入学年龄应在 3 到 9 周岁之间（通常为 6）。")
    with store.transaction() as tx:
        store.set_meta(tx, "entry_age.grade1", "" if years is None else str(years))
        tx.audit("设置县级规则", "meta", "entry_age.grade1", {"value": [None, years]})


def county_rules(store: Store) -> dict[str, Any]:
    """Every rule as it stands on this store (the county's own, or what the school received)."""
    caps = {}
    for stage, name in STAGES.items():
        cap, who = class_cap(store, stage)
        caps[name] = {"cap": cap, "set_by": who}
    return {
        "class_caps": caps,
        "forbidden_changes": {name: sorted(KINDS[k].name for k in forbidden_kinds(store, stage) if k in KINDS)
                              for stage, name in STAGES.items()},
        "controlled_fields": list(controlled_fields(store)),
        "windows": {label: "～".join(w) if (w := window(store, key)) else "" for key, label in WINDOWS.items()},
        "entry_age_grade1": entry_age(store),
        "nutrition": plan_view(store),
        "set_by": "" if store.mode == "county" else
        f"{store.meta('county_code', '') or ''}{store.meta('county_name', '') or ''}",
    }


def describe_rules(rules: dict[str, Any]) -> list[tuple[str, str]]:
    """``county_rules`` as (item, value) lines in words, as the school sees them (`county rules show`, the
    school's 县级规则 page)."""
    lines = [(f"{stage}班额上限", f"{c['cap']} 人（{c['set_by']}）" if c["cap"] else "未设置")
             for stage, c in rules["class_caps"].items()]
    lines += [(f"{stage}不允许的异动", "、".join(kinds) or "无") for stage, kinds in rules["forbidden_changes"].items()]
    lines.append(("受控字段", "、".join(field_label(f) for f in rules["controlled_fields"])))
    lines += [(f"{name}工作时间", span or "未设置") for name, span in rules["windows"].items()]
    age = rules["entry_age_grade1"]
    lines.append(("一年级入学年龄", f"8 月 31 日前满 {age} 周岁" if age else "未设置"))
    plan = rules["nutrition"]
    if plan["enjoys"] is not None:
        lines.append(("营养改善计划", f"本校{'享受' if plan['enjoys'] else '不享受'}营养餐"))
    lines.append(("营养改善计划补助标准", ("，".join(f"{k} {v} 元/生/天" for k, v in plan["standards"].items())
                                          or "未设置") + f"；每学期在校 {plan['school_days']} 天"))
    lines += [("营养改善计划县级责任体系", "　".join(c.get(k, "") for k in ("role", "unit", "person", "phone")))
              for c in plan["contacts"]]
    return lines


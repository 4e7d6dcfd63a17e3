"""The 2022 学生基本信息采集表 as one description: sections, field order, which fields show when, labels
and hints. The on-screen form (``ui/student_form``), the printed form (``printing/form``) and the Excel
template (``excel/columns``) all render from it.

Fields themselves (label, hint, item number, ★, code table) are data in ``resources/spec/fields.toml``;
this package arranges them: a field's ``group`` puts it in a section, its item number orders it there, and
the paper's two-column rows pair each section's first half with its second half (1 with 10, 2 with 11 …).
So adding a field to the form is one edit, in fields.toml, and all three follow.

Qt-free (core); ``build_form``/``build_roster`` (the printed pages) are re-exported for their old callers.
"""

from .layout import (
    MEMBER_SLOTS,
    FormField,
    Section,
    form_sections,
    paper_sections,
    screen_sections,
    section_of,
)

__all__ = ["MEMBER_SLOTS", "FormField", "Section", "build_form", "build_roster", "form_sections",
           "paper_sections", "screen_sections", "section_of"]


def __getattr__(name: str):
    # The printed pages import this package; importing them here eagerly would be a cycle.
    if name == "build_form":
        from ..printing.form import build_form

        return build_form
    if name == "build_roster":
        from ..printing.roster import build_roster

        return build_roster
    raise AttributeError(name)

"""The paper forms of the 2022 collection: the per-student 学生基本信息采集表 and the class confirmation roster.

Their page layouts live in :mod:`xueji_desktop.printing` (Qt-free boxes and text in mm, drawn by
``ui/print_render``); this package is the stable name for them. The on-screen entry form is
``ui/student_form.py``, built from the same field spec.
"""

from ..printing.form import build_form
from ..printing.roster import build_roster

__all__ = ["build_form", "build_roster"]

"""县级规则: the rules a county sets for its schools — class caps per stage, the status changes not allowed per
stage, controlled fields, the working windows and the grade-1 entry age.

At the county the page edits them through the core setters (county/rules.py, records.changes, records.gate,
records.school_year — the same as `xueji county rules …`, `xueji caps set --county`, `xueji changes forbid`,
`xueji changes controlled-fields`). At a school the same rules, as received in the county's packages, are shown
read-only with the county named (`county.rules.describe_rules`, as `xueji county rules show`).
"""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..county import rules as county_rules
from ..county.workspace import county_profile
from ..records import changes, gate
from ..records import school_year as sy
from ..school import STAGES
from ..storage import Store
from ..validation import load_spec
from .simple_table import run_action

# Fields never compared by the gate (the class and grade move with 异动 and 学年升级), so not offered.
_NOT_CONTROLLABLE = {"grade", "class_code"}
_ANY_YEAR = 2024  # a leap year: 02-29 is a valid day of a window; only month and day are kept


def _month_day_edit() -> QDateEdit:
    edit = QDateEdit()
    edit.setDisplayFormat("MM-dd")
    edit.setDateRange(QDate(_ANY_YEAR, 1, 1), QDate(_ANY_YEAR, 12, 31))
    return edit


def _as_month_day(edit: QDateEdit) -> str:
    return edit.date().toString("MM-dd")


class CountyRulesPage(QWidget):
    """The county edits its rules; 保存规则 writes what changed, each through its core function."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        c = county_profile(store)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("%1 为所属学校设置的规则。保存后，生成初始化包或反馈包时下发给学校；"
                               "学校只能查看，不能修改。").replace("%1", c["code"] + c["name"]))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        columns = QHBoxLayout()
        left = QVBoxLayout()
        left.addWidget(self._caps_box())
        left.addWidget(self._windows_box())
        left.addWidget(self._entry_age_box())
        left.addStretch(1)
        columns.addLayout(left, 2)
        columns.addWidget(self._forbidden_box(), 2, Qt.AlignTop)
        columns.addWidget(self._fields_box(), 3, Qt.AlignTop)
        layout.addLayout(columns)
        bar = QHBoxLayout()
        self.save_button = QPushButton(self.tr("保存规则"))
        self.save_button.clicked.connect(self.save)
        self.undo_button = QPushButton(self.tr("放弃修改"))
        self.undo_button.clicked.connect(self.refresh)
        self.message = QLabel()
        self.message.setWordWrap(True)
        bar.addWidget(self.save_button)
        bar.addWidget(self.undo_button)
        bar.addWidget(self.message, 1)
        layout.addLayout(bar)
        layout.addStretch(1)
        self.refresh()

    # ---- the editors ---------------------------------------------------------------------------
    def _caps_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("班额上限（每班人数）"))
        form = QFormLayout(box)
        self.caps: dict[int, QSpinBox] = {}
        for stage, name in STAGES.items():
            spin = QSpinBox()
            spin.setRange(0, 200)
            spin.setSpecialValueText(self.tr("未设置"))
            spin.setSuffix(self.tr(" 人"))
            form.addRow(self.tr(name) + "：", spin)
            self.caps[stage] = spin
        return box

    def _windows_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("工作时间（每年，月-日）"))
        grid = QGridLayout(box)
        self.windows: dict[str, tuple[QCheckBox, QDateEdit, QDateEdit]] = {}
        for row, (key, label) in enumerate(county_rules.WINDOWS.items()):
            on = QCheckBox(self.tr(label))
            start, end = _month_day_edit(), _month_day_edit()
            on.toggled.connect(start.setEnabled)
            on.toggled.connect(end.setEnabled)
            grid.addWidget(on, row, 0)
            grid.addWidget(start, row, 1)
            grid.addWidget(QLabel(self.tr("至")), row, 2)
            grid.addWidget(end, row, 3)
            self.windows[key] = (on, start, end)
        hint = QLabel(self.tr("不勾选表示不限时间；结束早于开始表示跨年。"))
        hint.setStyleSheet("color: #666")
        grid.addWidget(hint, len(self.windows), 0, 1, 4)
        return box

    def _entry_age_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("一年级入学年龄"))
        row = QHBoxLayout(box)
        self.entry_age = QSpinBox()
        self.entry_age.setRange(2, 9)  # 2 shows as 未设置; the core accepts 3 to 9
        self.entry_age.setSpecialValueText(self.tr("未设置"))
        self.entry_age.setSuffix(self.tr(" 周岁"))
        row.addWidget(QLabel(self.tr("入学当年 8 月 31 日前满")))
        row.addWidget(self.entry_age)
        row.addStretch(1)
        return box

    def _forbidden_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("各学段不允许的异动（勾选即不允许）"))
        grid = QGridLayout(box)
        self.kinds = [k for k in changes.KINDS.values() if k.code not in changes.REQUEST_ONLY]
        self.forbidden: dict[tuple[int, str], QCheckBox] = {}
        for col, name in enumerate(STAGES.values(), start=1):
            grid.addWidget(QLabel(f"<b>{self.tr(name)}</b>"), 0, col, Qt.AlignCenter)
        for row, kind in enumerate(self.kinds, start=1):
            grid.addWidget(QLabel(self.tr(kind.name)), row, 0)
            for col, stage in enumerate(STAGES, start=1):
                check = QCheckBox()
                check.setAccessibleName(f"{STAGES[stage]}{kind.name}")
                grid.addWidget(check, row, col, Qt.AlignCenter)
                self.forbidden[(stage, kind.code)] = check
        return box

    def _fields_box(self) -> QGroupBox:
        box = QGroupBox(self.tr("受控字段（学校修改须经县级审核）"))
        grid = QGridLayout(box)
        note = QLabel(self.tr("灰色勾选的是国家规定的关键字段，总是受控。"))
        note.setStyleSheet("color: #666")
        grid.addWidget(note, 0, 0, 1, 3)
        self.fields: dict[str, QCheckBox] = {}
        offered = [f for f in load_spec().student_fields if f.key not in _NOT_CONTROLLABLE]
        per_column = (len(offered) + 2) // 3
        for n, f in enumerate(offered):
            check = QCheckBox(f.label)
            if f.key in gate.KEY_FIELDS:
                check.setChecked(True)
                check.setEnabled(False)
            grid.addWidget(check, 1 + n % per_column, n // per_column)
            self.fields[f.key] = check
        return box

    # ---- reading and saving --------------------------------------------------------------------
    def refresh(self) -> None:
        for stage, spin in self.caps.items():
            spin.setValue(int(self.store.meta(f"class_cap.county.{stage}") or 0))
        for key, (on, start, end) in self.windows.items():
            span = county_rules.window(self.store, key)
            on.setChecked(span is not None)
            start.setEnabled(span is not None)
            end.setEnabled(span is not None)
            for edit, text in zip((start, end), span or ("09-01", "09-30"), strict=True):
                edit.setDate(QDate(_ANY_YEAR, int(text[:2]), int(text[3:])))
        self.entry_age.setValue(county_rules.entry_age(self.store) or 2)
        for stage in STAGES:
            forbidden = changes.forbidden_kinds(self.store, stage)
            for kind in self.kinds:
                self.forbidden[(stage, kind.code)].setChecked(kind.code in forbidden)
        controlled = set(gate.controlled_fields(self.store))
        for key, check in self.fields.items():
            check.setChecked(key in controlled)

    def _actions(self) -> list:
        """The core calls for what differs from the store. Every county rule needs 系统管理员, so a user without
        it is refused by the first call, before anything is written."""
        todo = []
        for stage, spin in self.caps.items():
            cap = spin.value() or None
            if cap != (int(self.store.meta(f"class_cap.county.{stage}") or 0) or None):
                todo.append(lambda s=stage, c=cap: sy.set_class_cap(self.store, s, c, level="county"))
        for stage in STAGES:
            chosen = {k.code for k in self.kinds if self.forbidden[(stage, k.code)].isChecked()}
            if chosen != changes.forbidden_kinds(self.store, stage):
                kinds = sorted(chosen)
                todo.append(lambda s=stage, c=kinds: changes.set_forbidden_kinds(self.store, s, c))
        extra = [k for k, check in self.fields.items() if check.isChecked() and k not in gate.KEY_FIELDS]
        if set(extra) != set(gate.controlled_fields(self.store)) - set(gate.KEY_FIELDS):
            todo.append(lambda: gate.set_controlled_fields(self.store, extra))
        for key, (on, start, end) in self.windows.items():
            span = (_as_month_day(start), _as_month_day(end)) if on.isChecked() else None
            if span != county_rules.window(self.store, key):
                todo.append(lambda k=key, s=span: county_rules.set_window(self.store, k, *(s or (None, None))))
        age = self.entry_age.value() if self.entry_age.value() >= 3 else None
        if age != county_rules.entry_age(self.store):
            todo.append(lambda: county_rules.set_entry_age(self.store, age))
        return todo

    def save(self) -> bool:
        todo = self._actions()
        if not todo:
            self.message.setText(self.tr("没有修改。"))
            return True

        def act() -> None:
            for call in todo:
                call()

        if not run_action(self, self.tr("保存规则"), act, self.refresh):
            self.refresh()  # what was refused is shown as it stands in the store
            return False
        self.message.setText(self.tr("已保存 %1 项修改；生成初始化包或反馈包时下发给学校。")
                             .replace("%1", str(len(todo))))
        return True


class SchoolRulesPage(QWidget):
    """The county's rules as this school received them: read-only, the county named."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setStyleSheet("font-size: 14px")
        layout.addWidget(self.intro)
        box = QGroupBox(self.tr("县级规则（只读）"))
        self.form = QFormLayout(box)
        self.form.setHorizontalSpacing(24)
        layout.addWidget(box)
        layout.addStretch(1)
        self.refresh()

    def showEvent(self, event) -> None:  # a feedback package imported meanwhile may have brought new rules
        self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        rules = county_rules.county_rules(self.store)
        self.intro.setText(self.tr("以下规则由 %1 设置，随初始化包和反馈包下发，学校只能查看；如需调整，请联系县级。")
                           .replace("%1", rules["set_by"]) if rules["set_by"]
                           else self.tr("还没有载入县级的初始化包，县级规则尚未下发；下面是默认规则。"))
        while self.form.rowCount():
            self.form.removeRow(0)
        for item, value in county_rules.describe_rules(rules):
            label = QLabel(value)
            label.setWordWrap(True)
            label.setTextInteractionFlags(Qt.TextSelectableByMouse)
            self.form.addRow(self.tr(item) + "：", label)

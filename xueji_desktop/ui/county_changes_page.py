"""The 审核 page's 学籍异动 tab: the county approves or rejects the status changes its schools sent up (休学 where the
county rules so, 转出 as a step of a transfer, 死亡, 删除学籍 …), with their evidence.

Every rule lives in ``county/changes.py`` (the CLI's ``county changes`` / ``county decide-change``); the decision
travels to the school in its next feedback package. On a city file the list is read-only: the counties decided.
"""

from __future__ import annotations

from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QInputDialog, QLabel, QVBoxLayout, QWidget

from ..county import changes, workspace
from ..errors import XuejiError
from ..storage import Store
from .dialog_parts import keyed_button_bar
from .evidence_viewer import EvidenceDialog
from .simple_table import fill_table, show_error, simple_table

HEADERS = ("学校", "异动编号", "姓名", "异动类型", "学校填写的原因", "生效日期", "证明材料", "状态", "县级意见",
           "审核人", "审核时间")


def _when(ts: str) -> str:
    return ts.replace("T", " ")[:16]


class CountyChangesPage(QWidget):
    """The schools' 学籍异动 waiting for (or decided by) the county."""

    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.rows: list[dict] = []
        layout = QVBoxLayout(self)
        filters = QHBoxLayout()
        self.undecided = QCheckBox(self.tr("只看待审核"))
        self.undecided.setChecked(True)
        self.school = QComboBox()
        self.school.setMinimumContentsLength(16)
        filters.addWidget(self.undecided)
        filters.addWidget(QLabel(self.tr("学校：")))
        filters.addWidget(self.school)
        filters.addStretch(1)
        layout.addLayout(filters)
        specs = (("evidence", self.tr("查看证明材料…"), self.show_evidence),
                 ("approve", self.tr("同意"), lambda: self.decide(True)),
                 ("reject", self.tr("不同意…"), lambda: self.decide(False)))
        bar, self.buttons = keyed_button_bar(self, specs)
        layout.addLayout(bar)
        self.refused = workspace.refused_at_city(store, "school_changes")
        hint = QLabel(self.refused + self.tr("这里只能查看各县（区）的审核结论。") if self.refused else self.tr(
            "学校主管领导同意后需县级审核的学籍异动（转学的转出、死亡、删除学籍等）列在这里。选中一条，"
            "“查看证明材料…”核对后点“同意”或“不同意…”（须填写原因）。结论随下次给该校的反馈包下发"
            "（“数据审核和反馈”页签的“生成反馈包…”），学校导入反馈包后异动才生效或被驳回。"))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        if self.refused:  # the counties decide their schools' changes (workspace.COUNTY_ONLY)
            self.buttons["approve"].hide()
            self.buttons["reject"].hide()
        self.table = simple_table([self.tr(h) for h in HEADERS])
        layout.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.undecided.toggled.connect(self.refresh)
        self.school.currentIndexChanged.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.refresh()

    def showEvent(self, event) -> None:  # school packages imported on another page bring new changes
        self.refresh()
        super().showEvent(event)

    def _fill_schools(self) -> None:
        """The schools that sent changes up, for the filter (the choice kept across refreshes)."""
        current = self.school.currentData()
        schools = {r["school_code"]: r["school_name"] for r in changes.list_county_changes(self.store)}
        self.school.blockSignals(True)
        self.school.clear()
        self.school.addItem(self.tr("全部学校"), None)
        for code, name in sorted(schools.items()):
            self.school.addItem(f"{code}{name}", code)
        self.school.setCurrentIndex(max(0, self.school.findData(current)) if current else 0)
        self.school.blockSignals(False)

    def refresh(self) -> None:
        self._fill_schools()
        self.rows = changes.list_county_changes(self.store, self.school.currentData(),
                                                undecided_only=self.undecided.isChecked())
        fill_table(self.table, [[f"{r['school_code']}{r['school_name']}", r["change_id"], r["student_name"],
                                 r["kind_name"], r["reason"], r["effective_date"],
                                 "、".join(e["filename"] for e in r["evidence"]) or self.tr("无"),
                                 r["decision_name"], r["decision_reason"], r["decided_by"], _when(r["decided_at"])]
                                for r in self.rows], self.rows)
        self._update_buttons()

    def selected(self) -> dict | None:
        row = self.table.currentRow()
        return self.rows[row] if 0 <= row < len(self.rows) and self.table.selectedItems() else None

    def _update_buttons(self) -> None:
        row = self.selected()
        self.buttons["evidence"].setEnabled(bool(row and row["evidence"]))
        for key in ("approve", "reject"):
            self.buttons[key].setEnabled(bool(row) and not row["decision"])

    def show_evidence(self) -> EvidenceDialog | None:
        row = self.selected()
        if row is None:
            return None
        try:
            files = changes.county_change_evidence(self.store, row["school_code"], row["change_id"])
        except XuejiError as exc:
            show_error(self, self.tr("证明材料"), exc)
            return None
        self.evidence_dialog = dialog = EvidenceDialog(f"{row['student_name'] or ''} {row['kind_name']}", files, self)
        dialog.open()
        return dialog

    def decide(self, approve: bool) -> None:
        row = self.selected()
        if row is None:
            self.message.setText(self.tr("请先在列表中选中一条学籍异动。"))
            return
        reason = ""
        if not approve:
            reason, ok = QInputDialog.getText(self, self.tr("不同意"), self.tr("不同意的原因（学校会在反馈中看到）："))
            if not ok:
                return
        try:
            changes.decide_county_change(self.store, row["school_code"], row["change_id"], approve, reason)
        except XuejiError as exc:
            show_error(self, self.tr("审核学籍异动"), exc)
            return
        self.refresh()
        self.message.setText(
            self.tr("已%1 %2 %3 的%4（异动 #%5）；结论随下次给该校的反馈包下发。")
            .replace("%1", self.tr("同意") if approve else self.tr("不同意"))
            .replace("%2", row["school_name"]).replace("%3", row["student_name"] or "")
            .replace("%4", row["kind_name"]).replace("%5", str(row["change_id"])))

"""学校名单 (county): the county's schools — import and export of the list, 学校标识码核对, add, edit, remove,
initialisation packages and key resets.

Every action calls ``xueji_desktop.county.schools`` / ``school_sheet`` (also `xueji county schools …`); a refusal
shows the core's message and nothing changes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..county import school_sheet, workspace
from ..county import schools as school_list
from ..errors import XuejiError
from ..exchange import keystore
from ..storage import Store
from .simple_table import fill_table, run_action, show_error, simple_table

HEADERS = ("学校标识码", "学校名称", "学段", "享受营养餐", "学生数", "已上报", "待补标识码", "审核", "密钥指纹")
FINGERPRINT_COLUMN = HEADERS.index("密钥指纹")
PLACEHOLDER_COLOUR = QColor("#fff3cd")  # the rows still waiting for their real 标识码


class SchoolEditDialog(QDialog):
    """编辑学校: name, region code and 标识码 (a placeholder's real code) in one form."""

    def __init__(self, school: dict, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("编辑学校"))
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.code = QLineEdit("" if school["placeholder"] else school["code"])
        self.code.setPlaceholderText(self.tr("10 位学校标识码（还没有就留空）") if school["placeholder"]
                                     else self.tr("10 位学校标识码"))
        self.name = QLineEdit(school["name"])
        self.region = QLineEdit(school["region_code"])
        form.addRow(self.tr("学校标识码："), self.code)
        form.addRow(self.tr("学校名称："), self.name)
        form.addRow(self.tr("统计用区划代码："), self.region)
        layout.addLayout(form)
        note = QLabel(self.tr("已导入过数据或登记了密钥的学校，标识码不能再改（数据和密钥都以标识码为准）。"))
        note.setWordWrap(True)
        note.setStyleSheet("color: #666")
        layout.addWidget(note)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel)
        buttons.button(QDialogButtonBox.Ok).setText(self.tr("保存"))
        buttons.button(QDialogButtonBox.Cancel).setText(self.tr("取消"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)


class CountySchoolsPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.schools: list[dict] = []
        layout = QVBoxLayout(self)
        self.key_label = QLabel()
        self.key_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        layout.addWidget(self.key_label)

        bar = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot, tip in (
                ("import", self.tr("导入名单…"), self.choose_import,
                 self.tr("Excel：学校标识码、学校名称、统计用区划代码（可选 享受营养餐）；有任何一行不对则整份不导入")),
                ("export", self.tr("导出名单…"), self.choose_export, self.tr("导出为 Excel，供核对、补全标识码")),
                ("verify", self.tr("标识码核对"), self.verify,
                 self.tr("检查 10 位数字、区划属%1、名称重复，列出待补标识码的学校")
                 .replace("%1", workspace.unit_words(store).own)),
                ("edit", self.tr("编辑…"), self.ask_edit, self.tr("修改所选学校的名称、区划代码或标识码")),
                ("remove", self.tr("删除"), self.ask_remove, self.tr("删除所选学校（只能删除还没有任何数据的学校）")),
                ("init", self.tr("生成初始化包…"), self.choose_make_init,
                 self.tr("为所选学校（未选则全部）生成初始化包")),
                ("reset", self.tr("重置学校密钥…"), self.ask_reset_key,
                 self.tr("学校换电脑、密钥丢失后：须主管领导执行并写明原因，记入操作日志"))):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            bar.addWidget(button)
            self.buttons[key] = button
        for key, function in (("init", "school_init"), ("reset", "school_keys")):  # a county's, not a city's
            self.buttons[key].setVisible(not workspace.refused_at_city(store, function))
        bar.addStretch(1)
        layout.addLayout(bar)

        self.table = simple_table([self.tr(h) for h in HEADERS])
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(lambda *_: self.ask_edit())
        layout.addWidget(self.table, 3)
        self.count = QLabel()
        layout.addWidget(self.count)

        self.findings_box = QGroupBox(self.tr("标识码核对结果"))
        findings = QVBoxLayout(self.findings_box)
        self.findings_summary = QLabel()
        findings.addWidget(self.findings_summary)
        self.findings = simple_table([self.tr(h) for h in ("学校标识码", "学校名称", "需要处理")])
        findings.addWidget(self.findings)
        self.findings_box.setVisible(False)
        layout.addWidget(self.findings_box, 2)

        add_box = QGroupBox(self.tr("添加学校"))
        form = QHBoxLayout(add_box)
        self.code = QLineEdit()
        self.code.setPlaceholderText(self.tr("10 位学校标识码（没有写 0000000000）"))
        self.name = QLineEdit()
        self.name.setPlaceholderText(self.tr("学校名称"))
        self.region = QLineEdit()
        self.region.setPlaceholderText(self.tr("12 位统计用区划代码"))
        add = QPushButton(self.tr("添加学校"))
        add.clicked.connect(self.add_school)
        for w, stretch in ((self.code, 2), (self.name, 3), (self.region, 2), (add, 0)):
            form.addWidget(w, stretch)
        layout.addWidget(add_box)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.counties = None
        if workspace.store_level(store) == "city":  # a city also keeps its county list
            from .city_counties_panel import CityCountiesPanel

            self.counties = CityCountiesPanel(store)
            layout.addWidget(self.counties, 2)
        self.refresh()

    # ---- the list ---------------------------------------------------------------------------
    def showEvent(self, event) -> None:  # packages imported or 享受营养餐 set on other pages meanwhile
        self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        c = workspace.county_profile(self.store)
        self.key_label.setText(self.tr("%1 %3签名密钥指纹：%2").replace("%1", c["code"] + c["name"])
                               .replace("%3", workspace.unit_words(self.store).level)
                               .replace("%2", keystore.own_fingerprint(self.store.conn) or ""))
        self.schools = school_list.list_schools(self.store, placeholders=True)
        yes, no = self.tr("是"), self.tr("否")
        fill_table(self.table, [[s["code"], s["name"], s["stages"] or "—", yes if s["nutrition"] else no,
                                 s["students"], yes if s["imported_at"] else no, yes if s["placeholder"] else "",
                                 s["review_name"], s["fingerprint"] or ("" if s["placeholder"] else self.tr("未登记"))]
                                for s in self.schools], self._keys())
        for r, s in enumerate(self.schools[:self.table.rowCount()]):
            self.table.item(r, HEADERS.index("学生数")).setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            if s["placeholder"]:
                for col in range(len(HEADERS)):
                    self.table.item(r, col).setBackground(QBrush(PLACEHOLDER_COLOUR))
        waiting = sum(s["placeholder"] for s in self.schools)
        more = self.tr("，另有 %1 所待补标识码（黄色行）").replace("%1", str(waiting)) if waiting else ""
        self.count.setText(self.tr("共 %1 所学校").replace("%1", str(len(self.schools) - waiting)) + more)
        self._update_buttons()

    def _keys(self) -> list[str]:
        """How the core names each row: its 标识码, or a placeholder's name."""
        return [s["name"] if s["placeholder"] else s["code"] for s in self.schools]

    def selected(self) -> list[dict]:
        rows = sorted({i.row() for i in self.table.selectedItems()})
        return [self.schools[r] for r in rows]

    def select(self, which: str) -> None:
        """Select the row of a school (its 标识码, or a placeholder's name)."""
        self.table.clearSelection()
        keys = self._keys()
        if which in keys:
            self.table.selectRow(keys.index(which))

    def _update_buttons(self) -> None:
        one = len(self.selected()) == 1
        for key in ("edit", "remove", "reset"):
            self.buttons[key].setEnabled(one)

    def _which(self, school: dict) -> str:
        return school["name"] if school["placeholder"] else school["code"]

    # ---- import / export / verify --------------------------------------------------------------
    def choose_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择学校名单"), "", self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.import_list(Path(path))

    def import_list(self, path: Path) -> dict | None:
        try:
            result = school_sheet.import_school_sheet(self.store, path)
        except XuejiError as exc:
            show_error(self, self.tr("导入名单"), exc)
            self.message.setText(str(exc))
            return None
        self.message.setText(self.tr("已导入学校名单：新增 %1 所，修改 %2 所，未变 %3 所。")
                             .replace("%1", str(result["added"])).replace("%2", str(result["updated"]))
                             .replace("%3", str(result["unchanged"])))
        self.refresh()
        return result

    def choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出学校名单"), self.tr("学校名单.xlsx"),
                                              self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.export_list(Path(path))

    def export_list(self, path: Path) -> Path | None:
        try:
            written = school_sheet.export_school_sheet(self.store, path)
        except XuejiError as exc:
            show_error(self, self.tr("导出名单"), exc)
            return None
        self.message.setText(self.tr("已导出学校名单：%1").replace("%1", str(written)))
        return written

    def verify(self) -> list[dict]:
        found = school_list.verify_schools(self.store)
        fill_table(self.findings, [[f["code"], f["name"], f["problem"]] for f in found])
        self.findings.setVisible(bool(found))
        self.findings_summary.setText(self.tr("核对完毕：%1 处需要处理。选中学校后用“编辑…”补全或改正。")
                                      .replace("%1", str(len(found))) if found
                                      else self.tr("核对完毕：学校名单无误。"))
        self.findings_box.setVisible(True)
        return found

    # ---- add / edit / remove -------------------------------------------------------------------
    def add_school(self) -> None:
        if run_action(self, self.tr("添加学校"), lambda: school_list.add_school(
                self.store, self.code.text().strip(), self.name.text().strip(), self.region.text().strip()),
                self.refresh):  # on a refusal the typed values stay in the fields
            self.message.setText(self.tr("已添加学校 %1。").replace("%1", self.name.text().strip()))
            for w in (self.code, self.name, self.region):
                w.clear()

    def ask_edit(self) -> None:
        chosen = self.selected()
        if len(chosen) != 1:
            return
        dialog = SchoolEditDialog(chosen[0], self)
        if dialog.exec() == QDialog.Accepted:
            self.edit(self._which(chosen[0]), dialog.name.text(), dialog.region.text().strip(),
                      dialog.code.text().strip())

    def edit(self, which: str, name: str, region_code: str, code: str) -> bool:
        def act() -> None:
            self._edited = school_list.edit_school(self.store, which, name=name or None,
                                                   region_code=region_code or None, new_code=code or None)

        if not run_action(self, self.tr("编辑学校"), act, self.refresh):
            return False
        self.message.setText(self.tr("已修改学校 %1。").replace("%1", name.strip() or self._edited))
        return True

    def ask_remove(self) -> None:
        chosen = self.selected()
        if len(chosen) != 1:
            return
        s = chosen[0]
        if QMessageBox.question(self, self.tr("删除学校"), self.tr("从学校名单中删除 %1？").replace(
                "%1", ("" if s["placeholder"] else s["code"]) + s["name"])) == QMessageBox.Yes:
            self.remove(self._which(s))

    def remove(self, which: str) -> bool:
        if not run_action(self, self.tr("删除学校"), lambda: school_list.remove_school(self.store, which),
                          self.refresh):
            return False
        self.message.setText(self.tr("已删除学校 %1。").replace("%1", which))
        return True

    # ---- packages and keys ---------------------------------------------------------------------
    def choose_make_init(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择初始化包的输出文件夹"))
        if not folder:
            return
        codes = [s["code"] for s in self.selected() if not s["placeholder"]]
        try:
            paths = school_list.make_init_packages(self.store, codes, folder)
        except XuejiError as exc:
            show_error(self, self.tr("生成初始化包"), exc)
            return
        QMessageBox.information(self, self.tr("生成初始化包"),
                                self.tr("已写出 %1 个初始化包。").replace("%1", str(len(paths))))

    def ask_reset_key(self) -> None:
        chosen = self.selected()
        if len(chosen) != 1 or chosen[0]["placeholder"]:
            QMessageBox.information(self, self.tr("重置学校密钥"), self.tr("请先在列表中选中一所有标识码的学校。"))
            return
        code = chosen[0]["code"]
        reason, ok = QInputDialog.getText(self, self.tr("重置学校密钥"), self.tr(
            "重置学校 %1 登记的签名密钥（学校换电脑、密钥丢失后）。该校下一个数据包须按新的指纹回执重新核对。"
            "须主管领导执行。\n重置原因：").replace("%1", code))
        if ok:
            self.reset_key(code, reason)

    def reset_key(self, code: str, reason: str) -> bool:
        try:
            old = school_list.reset_school_key(self.store, code, reason)
        except XuejiError as exc:
            show_error(self, self.tr("重置学校密钥"), exc)
            return False
        QMessageBox.information(self, self.tr("重置学校密钥"), self.tr(
            "已重置学校 %1 的登记密钥（原指纹 %2），已记入操作日志。").replace("%1", code).replace("%2", old))
        self.refresh()
        return True

"""转学 pages: the school's transfers in and out, and the county's, each with the state at the four parties
(转入学校, 转入地县级, 转出学校, 转出地县级) and what to do next.

Every rule lives in the core (records/transfers.py, county/transfers.py, county/transfer_packages.py); these
pages collect input and show results.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from ..errors import XuejiError
from ..records import changes as ch
from ..records import transfers as tr
from ..school import list_classes
from .dialog_parts import add_error_and_buttons, keyed_button_bar
from .evidence_picker import EvidencePicker
from .simple_table import fill_table, show_error, simple_table

PARTY_COLUMNS = [tr.PARTY_NAMES[p] for p in tr.PARTIES]


def _party_cells(parties: dict) -> list[str]:
    return [tr.PARTY_STATE_NAMES.get(parties.get(p, {}).get("state", ""), "") if parties else "" for p in tr.PARTIES]


class TransferRequestDialog(QDialog):
    """新建转入申请: what the receiving school's clerk fills in from the stamped 转学证明."""

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self.request: tr.TransferRequest | None = None
        self.setWindowTitle(self.tr("新建转入申请"))
        form = QFormLayout(self)
        self.id_number = QLineEdit()
        self.name = QLineEdit()
        self.from_school = QLineEdit()
        self.from_school.setPlaceholderText(self.tr("10 位学校标识码（见转学证明）"))
        self.date = QDateEdit(QDate.currentDate())
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.klass = QComboBox()
        self.klass.addItem(self.tr("（稍后分班）"), None)
        for c in list_classes(store):
            self.klass.addItem(c.name, c.id)
        self.reason = QLineEdit()
        self.cross_province = QCheckBox(self.tr("跨省转学（在全国学籍系统中办理）"))
        self.evidence = EvidencePicker(self.tr("添加转学证明…"))
        for label, widget in ((self.tr("身份证件号"), self.id_number), (self.tr("姓名"), self.name),
                              (self.tr("转出学校"), self.from_school), (self.tr("转入日期"), self.date),
                              (self.tr("转入班级"), self.klass), (self.tr("转学原因"), self.reason),
                              ("", self.cross_province), (self.tr("转学证明"), self.evidence)):
            form.addRow(label, widget)
        self.error = add_error_and_buttons(self, form, self.tr("提交申请"), self.submit)

    def submit(self) -> None:
        try:
            self.request = tr.request_transfer(
                self.store, id_number=self.id_number.text(), name=self.name.text(),
                from_school=self.from_school.text(), effective_date=self.date.date().toString("yyyy-MM-dd"),
                evidence=ch.read_evidence(self.evidence.paths), class_id=self.klass.currentData(),
                reason=self.reason.text(), cross_province=self.cross_province.isChecked())
        except XuejiError as exc:
            self.error.setText(str(exc))  # everything typed stays; the clerk fixes and resubmits
            return
        self.accept()


class TransferPage(QWidget):
    """The school's 转学 page: requests it made (转入) and 转出 it was asked for."""

    HEADERS = ("编号", "方向", "姓名", "身份证件号", "对方学校", "状态", *PARTY_COLUMNS, "下一步")

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        specs = (("request", self.tr("新建转入申请…"), self.new_request),
                 ("approve", self.tr("审核同意"), lambda: self.decide(True)),
                 ("reject", self.tr("驳回…"), lambda: self.decide(False)),
                 ("withdraw", self.tr("撤销转入申请…"), self.withdraw),
                 ("sheet", self.tr("导出跨省转学申请表…"), self.export_sheet))
        bar, self.buttons = keyed_button_bar(self, specs)
        layout.addLayout(bar)
        self.table = simple_table([self.tr(h) for h in self.HEADERS])
        layout.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.refresh()

    def showEvent(self, event) -> None:  # packages imported elsewhere move transfers on
        self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        self.rows = tr.transfer_overview(self.store)
        fill_table(self.table, [[r["ref"], self.tr("转入") if r["direction"] == "in" else self.tr("转出"), r["name"],
                                 r["id_number"], f"{r['other_school']}{r['other_school_name']}", r["state_name"],
                                 *_party_cells(r["parties"]), r["next_step"]] for r in self.rows], self.rows)

    def selected(self) -> dict | None:
        row = self.table.currentRow()
        if row < 0 or row >= len(self.rows):
            self.message.setText(self.tr("请先在列表中选中一条转学记录。"))
            return None
        return self.rows[row]

    def _done(self, text: str) -> None:
        self.refresh()
        self.message.setText(text)

    def new_request(self) -> None:
        dialog = TransferRequestDialog(self.store, self)
        if dialog.exec() == QDialog.Accepted and dialog.request is not None:
            t = dialog.request
            self._done(self.tr("已提交转入申请 %1，下一步：%2").replace("%1", t.ref).replace("%2", tr.next_step(t)))

    def decide(self, approve: bool) -> None:
        row = self.selected()
        if row is None:
            return
        reason = ""
        if not approve:
            reason, ok = QInputDialog.getText(self, self.tr("驳回"), self.tr("驳回原因（会告知对方）："))
            if not ok:
                return
        try:
            if row["direction"] == "in":
                t = tr.decide_request(self.store, tr.transfer_ref_id(row["ref"]), approve, reason)
                text = f"{t.ref}：{t.state_name}"
            else:
                c = ch.school_decide(self.store, int(row["ref"]), approve, reason)
                text = f"#{c.id} {c.kind_name}：{c.status_name}"
        except XuejiError as exc:
            show_error(self, self.tr("审核"), exc)
            return
        self._done(text)

    def withdraw(self) -> None:
        row = self.selected()
        if row is None:
            return
        if row["direction"] != "in":
            self.message.setText(self.tr("转出由转入学校发起，只有转入学校可以撤销；不同意请选“驳回”并填写原因。"))
            return
        reason, ok = QInputDialog.getText(self, self.tr("撤销转入申请"), self.tr("撤销原因："))
        if not ok:
            return
        try:
            t = tr.withdraw_request(self.store, tr.transfer_ref_id(row["ref"]), reason)
        except XuejiError as exc:
            show_error(self, self.tr("撤销"), exc)
            return
        self._done(f"{t.ref}：{t.state_name}。{tr.next_step(t)}")

    def export_sheet(self) -> None:
        from ..records.transfer_sheet import write_sheet

        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出跨省转学申请表"), "跨省转学申请.xlsx",
                                              self.tr("Excel (*.xlsx)"))
        if not path:
            return
        try:
            n = write_sheet(self.store, [], Path(path))
        except XuejiError as exc:
            show_error(self, self.tr("导出"), exc)
            return
        self.message.setText(self.tr("已导出 %1 条跨省转学申请，请在全国学籍系统中逐条录入。").replace("%1", str(n)))


class CountyTransferPage(QWidget):
    """The county's 转学 page: every transfer with this county as receiving or sending county (or both)."""

    HEADERS = ("转学编号", "姓名", "身份证件号", "原学校", "新学校", "状态", *PARTY_COLUMNS, "下一步")

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        specs = (("approve", self.tr("同意转入申请…"), lambda: self.decide(True)),
                 ("reject", self.tr("拒绝…"), lambda: self.decide(False)),
                 ("out", self.tr("生成县际转学包…"), self.transfer_out),
                 ("in", self.tr("导入县际转学包…"), self.choose_transfer_in))
        bar, self.buttons = keyed_button_bar(self, specs)
        layout.addLayout(bar)
        hint = QLabel(self.tr("转出学校同意后，县级审核在“审核”页的“学籍异动”页签中办理：选中转出学校的转出异动，"
                             "“查看证明材料…”后点“同意”或“不同意…”。"))
        hint.setWordWrap(True)
        layout.addWidget(hint)
        self.table = simple_table([self.tr(h) for h in self.HEADERS])
        layout.addWidget(self.table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.refresh()

    def showEvent(self, event) -> None:
        self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        from ..county.transfers import list_transfers

        self.rows = list_transfers(self.store)
        fill_table(self.table, [[r["key"], r["name"], r["id_number"], f"{r['from_school']}{r['from_school_name']}",
                                 f"{r['to_school']}{r['to_school_name']}", r["state_name"],
                                 *_party_cells(r["parties"]), r["next_step"]] for r in self.rows], self.rows)

    def decide(self, approve: bool) -> None:
        from ..county.transfers import decide_request

        row = self.table.currentRow()
        if row < 0 or row >= len(self.rows):
            self.message.setText(self.tr("请先在列表中选中一条转学。"))
            return
        t = self.rows[row]
        school, number = t["key"].split("-")
        reason, from_county = "", ""
        if approve:
            from_county, ok = QInputDialog.getText(self, self.tr("同意转入申请"),
                                                   self.tr("转出学校所在县（区）的 6 位区划代码："))
        else:
            reason, ok = QInputDialog.getText(self, self.tr("拒绝转学"), self.tr("拒绝原因（会告知转入学校）："))
        if not ok:
            return
        try:
            done = decide_request(self.store, school, f"T{number}", approve, reason, from_county.strip())
        except XuejiError as exc:
            show_error(self, self.tr("转学审核"), exc)
            return
        self.refresh()
        self.message.setText(f"{done['key']}：{'已同意' if approve else '已拒绝'}")

    def transfer_out(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("县际转学包保存到"))
        if folder:
            self.write_transfer_packages(Path(folder))

    def write_transfer_packages(self, folder: Path) -> list[Path]:
        from ..county.transfer_packages import transfer_out

        try:
            written = transfer_out(self.store, folder)
        except XuejiError as exc:
            show_error(self, self.tr("生成县际转学包"), exc)
            return []
        self.refresh()
        self.message.setText(self.tr("已写出 %1 个县际转学包：%2").replace("%1", str(len(written)))
                             .replace("%2", "、".join(p.name for p in written)) if written
                             else self.tr("没有需要发给其他县（区）的转学信息。"))
        return written

    def choose_transfer_in(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择县际转学包"), "", self.tr("数据包 (*.xjpkg)"))
        if path:
            self.import_transfer_package(Path(path))

    def import_transfer_package(self, path: Path, fingerprint: str | None = None) -> dict | None:
        from ..county.transfer_packages import transfer_in

        try:
            result = transfer_in(self.store, path, confirm_fingerprint=fingerprint)
        except XuejiError as exc:
            if fingerprint is None and "--confirm-fingerprint" in str(exc):
                typed, ok = QInputDialog.getText(self, self.tr("核对对方县级密钥"),
                                                 self.tr("第一次收到该县的转学包：请输入对方电话读出或盖章发来的密钥指纹："))
                if ok and typed.strip():
                    return self.import_transfer_package(path, typed.strip())
                return None
            show_error(self, self.tr("导入县际转学包"), exc)
            return None
        self.refresh()
        self.message.setText(self.tr("已导入 %1 的县际转学包：申请 %2 条，进度更新 %3 条。")
                             .replace("%1", f"{result['county']}{result['name']}")
                             .replace("%2", str(result["requests"])).replace("%3", str(result["updates"])))
        return result

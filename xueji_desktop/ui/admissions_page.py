"""招生入学 at the school: the county's plan per stage and year (申请调整… asks for another number), the county's
admission list (接收到班级… takes the selected children into a class), 自主招生 within the plan, and 学前调档导入
(the preschool list as grade-1 records).

Every rule lives in the core (records/admissions.py, records/preschool.py, the write gate's 新生注册 rules); these
widgets collect input and show results. Taking a list or a file into classes runs off the UI thread (ui/jobs.py).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..errors import XuejiError
from ..records import admissions as adm
from ..records.preschool import import_preschool
from ..records.school_year import current_school_year
from ..school import STAGES, list_classes
from ..validation import load_spec
from .code_combo import CodeComboBox
from .dialog_parts import add_error_and_buttons, button_bar, heading
from .jobs import on_worker, run_job
from .simple_table import fill_table, simple_table

AGE_HINT = "未达县级规定入学年龄、经批准提前入学时填写（记入日志，随上报包报县级）"


def ask_valid_part(parent: QWidget, title: str, exc: XuejiError, valid: int, what: str) -> bool:
    """The refused rows are named (the core's message); ask whether to take the ``valid`` others."""
    if valid <= 0:
        QMessageBox.warning(parent, title, str(exc))
        return False
    answer = QMessageBox.question(parent, title, f"{exc}\n\n是否{what}？",
                                  QMessageBox.Yes | QMessageBox.No, QMessageBox.No)
    return answer == QMessageBox.Yes


def _class_combo(classes, empty: str | None = None) -> QComboBox:
    combo = QComboBox()
    if empty is not None:
        combo.addItem(empty, None)
    for c in classes:
        combo.addItem(c.name, c.class_code)
    return combo


class PlanRequestDialog(QDialog):
    """申请调整招生计划: the number asked for and why; the county decides."""

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        self.request_id: int | None = None
        self.setWindowTitle(self.tr("申请调整招生计划"))
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        self.stage = QComboBox()
        for stage, name in STAGES.items():
            self.stage.addItem(name, stage)
        self.year = QSpinBox()
        self.year.setRange(2000, 2999)
        self.year.setValue(current_school_year(store))
        self.count = QSpinBox()
        self.count.setRange(0, 100_000)
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("如：学区新建小区，适龄儿童增加（县级审核时看到）"))
        for label, widget in ((self.tr("学段"), self.stage), (self.tr("招生年份"), self.year),
                              (self.tr("申请计划人数"), self.count), (self.tr("申请理由"), self.reason)):
            form.addRow(label, widget)
        self.error = add_error_and_buttons(self, form, self.tr("提交申请"), self.submit)

    def submit(self) -> None:
        try:
            self.request_id = adm.request_plan_change(self.store, self.count.value(), self.reason.text(),
                                                      stage=self.stage.currentData(), year=self.year.value())
        except XuejiError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class AcceptDialog(QDialog):
    """接收到班级: the class (of the children's stage and entry year) and, rarely, an early-entry reason."""

    def __init__(self, store, names: list[str], stage: int, year: int, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("接收到班级"))
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        shown = "、".join(names[:8]) + (f" 等 {len(names)} 人" if len(names) > 8 else "")
        form.addRow(QLabel(self.tr("录取 %1 名 %2 年%3新生：%4").replace("%1", str(len(names))).replace(
            "%2", str(year)).replace("%3", STAGES[stage]).replace("%4", shown)))
        classes = [c for c in list_classes(store) if c.stage == stage and c.entry_year == year]
        self.klass = _class_combo(classes)
        self.age_reason = QLineEdit()
        self.age_reason.setPlaceholderText(self.tr(AGE_HINT))
        form.addRow(self.tr("班级"), self.klass)
        form.addRow(self.tr("提前入学理由"), self.age_reason)
        self.error = add_error_and_buttons(self, form, self.tr("录取入班"), self.submit)
        if not classes:
            self.error.setText(self.tr("还没有%1年入学的%2班级：请先在“年级班级”页新建班级。").replace(
                "%1", str(year)).replace("%2", STAGES[stage]))

    def submit(self) -> None:
        if self.klass.currentData() is None:
            self.error.setText(self.tr("请选择班级。"))
            return
        self.accept()


class SelfAdmitDialog(QDialog):
    """自主招生: one child typed in, within what the plan leaves (the core refuses past it, naming both)."""

    def __init__(self, store, parent=None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.today = today
        self.student_id: int | None = None
        self.setWindowTitle(self.tr("自主招生"))
        self.setMinimumWidth(520)
        codes = load_spec().codes
        form = QFormLayout(self)
        year = current_school_year(store)
        self.klass = _class_combo([c for c in list_classes(store) if c.entry_year >= year])
        self.name = QLineEdit()
        self.id_number = QLineEdit()
        self.id_number.setPlaceholderText(self.tr("18 位身份证件号（有则出生日期、性别可不填）"))
        self.gender = CodeComboBox(codes["gender"])
        self.birth_date = QLineEdit()
        self.birth_date.setPlaceholderText("YYYY-MM-DD")
        self.ethnicity = CodeComboBox(codes["ethnicity"])
        self.guardian = QLineEdit()
        self.guardian_phone = QLineEdit()
        self.age_reason = QLineEdit()
        self.age_reason.setPlaceholderText(self.tr(AGE_HINT))
        for label, widget in ((self.tr("班级"), self.klass), (self.tr("姓名"), self.name),
                              (self.tr("身份证件号"), self.id_number), (self.tr("性别"), self.gender),
                              (self.tr("出生日期"), self.birth_date), (self.tr("民族"), self.ethnicity),
                              (self.tr("监护人姓名"), self.guardian), (self.tr("监护人电话"), self.guardian_phone),
                              (self.tr("提前入学理由"), self.age_reason)):
            form.addRow(label, widget)
        self.error = add_error_and_buttons(self, form, self.tr("新建学籍"), self.submit)

    def submit(self) -> None:
        member = {k: v for k, v in (("name", self.guardian.text().strip()),
                                     ("phone", self.guardian_phone.text().strip())) if v}
        if member:
            member["is_guardian"] = "是"
        raw = {"name": self.name.text().strip(), "id_number": self.id_number.text().strip(),
               "gender": self.gender.code(), "birth_date": self.birth_date.text().strip(),
               "ethnicity": self.ethnicity.code(), "members": [member]}
        try:
            if self.klass.currentData() is None:
                raise XuejiError(self.tr("请选择班级（先在“年级班级”页新建本学年入学的班级）。"))
            self.student_id = adm.add_self_admitted(self.store, adm.typed_record(raw), self.klass.currentData(),
                                                    age_exception=self.age_reason.text(), today=self.today)
        except XuejiError as exc:
            self.error.setText(str(exc))  # what was typed stays
            return
        self.accept()


class PreschoolDialog(QDialog):
    """学前调档导入: the preschool system's list and the grade-1 class it goes into."""

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("学前调档导入"))
        self.setMinimumWidth(520)
        form = QFormLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setPlaceholderText(self.tr("学前教育管理系统导出的调档名单（.xlsx）"))
        choose = QPushButton(self.tr("选择文件…"))
        choose.clicked.connect(self.choose)
        row.addWidget(self.path, 1)
        row.addWidget(choose)
        year = current_school_year(store)
        self.klass = _class_combo([c for c in list_classes(store) if c.stage == 1 and c.entry_year >= year])
        self.age_reason = QLineEdit()
        self.age_reason.setPlaceholderText(self.tr(AGE_HINT))
        form.addRow(self.tr("名单文件"), row)
        form.addRow(self.tr("一年级班级"), self.klass)
        form.addRow(self.tr("提前入学理由"), self.age_reason)
        self.error = add_error_and_buttons(self, form, self.tr("开始导入"), self.submit)

    def choose(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, self.tr("选择学前调档名单"), "", self.tr("Excel 文件 (*.xlsx)"))
        if name:
            self.path.setText(name)

    def submit(self) -> None:
        if not self.path.text().strip():
            self.error.setText(self.tr("请选择学前调档名单文件。"))
        elif self.klass.currentData() is None:
            self.error.setText(self.tr("请选择一年级班级（先在“年级班级”页新建本学年入学的小学班级）。"))
        else:
            self.accept()


class AdmissionsPage(QWidget):
    """招生入学: the plan, the county's list, 自主招生 and 学前调档."""

    PLAN_HEADERS = ("招生年份", "学段", "计划人数", "已招", "名单待录取", "剩余名额")
    REQUEST_HEADERS = ("申请编号", "招生年份", "学段", "申请人数", "理由", "审核结果")
    LIST_HEADERS = ("序号", "招生年份", "学段", "姓名", "性别", "出生日期", "身份证件号", "状态", "班级", "学籍号")

    def __init__(self, store, parent=None, *, today: date | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.today = today  # tests pin the day the 新生注册 window is checked against
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("招生计划（县级下达）")))
        bar, (self.request_button,) = button_bar(self, [(self.tr("申请调整…"), self.request_change)])
        layout.addLayout(bar)
        self.plans_table = simple_table([self.tr(h) for h in self.PLAN_HEADERS])
        self.plans_table.setMaximumHeight(110)
        layout.addWidget(self.plans_table)
        self.requests_heading = heading(self.tr("本校的计划变更申请"))
        layout.addWidget(self.requests_heading)
        self.requests_table = simple_table([self.tr(h) for h in self.REQUEST_HEADERS])
        self.requests_table.setMaximumHeight(90)
        layout.addWidget(self.requests_table)
        layout.addWidget(heading(self.tr("招生名单（县级下发）与新生注册")))
        bar, (self.accept_button, self.self_button, self.preschool_button) = button_bar(self, [
            (self.tr("接收到班级…"), self.accept_selected), (self.tr("自主招生…"), self.self_admit),
            (self.tr("学前调档导入…"), self.import_preschool)])
        layout.addLayout(bar)
        self.list_table = simple_table([self.tr(h) for h in self.LIST_HEADERS])
        self.list_table.setSelectionMode(QAbstractItemView.ExtendedSelection)
        layout.addWidget(self.list_table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.refresh()

    def showEvent(self, event) -> None:  # a feedback package imported elsewhere brings plans and lists
        self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        plans = adm.plans(self.store.conn)
        fill_table(self.plans_table, [[p.year, STAGES[p.stage], p.plan, p.enrolled, p.offered, p.left]
                                      for p in plans])
        requests = adm.plan_requests(self.store.conn)
        fill_table(self.requests_table, [[f"#{r['request_id']}", r["year"], STAGES.get(r["stage"], r["stage"]),
                                          r["count"], r["reason"], r["decision_name"]
                                          + (f"：{r['decision_reason']}" if r["decision_reason"] else "")]
                                         for r in requests])
        self.requests_table.setVisible(bool(requests))
        self.requests_heading.setVisible(bool(requests))
        self.rows = adm.admission_list(self.store.conn)
        class_names = {c.class_code: c.name for c in list_classes(self.store)}
        genders = load_spec().codes["gender"]
        fill_table(self.list_table, [[r["id"], r["year"], r["stage_name"], r["name"],
                                      genders.name_of(r["gender"]) if r["gender"] else "", r["birth_date"],
                                      r["id_number"], r["state_name"],
                                      class_names.get(r["class_code"], r["class_code"]), r["student_number"]]
                                     for r in self.rows], self.rows)
        if not plans and not self.rows:
            self.message.setText(self.tr("还没有县级下达的招生计划和招生名单：它们随初始化包、反馈包下发"
                                         "（“导入导出”页的“导入县级反馈…”）。"))

    def selected_offers(self) -> list[dict]:
        picked = sorted({i.row() for i in self.list_table.selectedIndexes()})
        return [self.rows[r] for r in picked if r < len(self.rows)]

    # ---- plan ----------------------------------------------------------------------------------------
    def request_change(self) -> None:
        dialog = PlanRequestDialog(self.store, self)
        if dialog.exec() == QDialog.Accepted:
            self.refresh()
            self.message.setText(self.tr("已提交招生计划变更申请 #%1，将随下一次上报数据包交县级审核。").replace(
                "%1", str(dialog.request_id)))

    # ---- the county's list ---------------------------------------------------------------------------
    def accept_selected(self) -> None:
        offers = [r for r in self.selected_offers() if r["state"] == adm.OFFERED]
        if not offers:
            self.message.setText(self.tr("请先在名单中选中待录取的学生（可按住 Ctrl 或 Shift 多选）。"))
            return
        if len({(r["stage"], r["year"]) for r in offers}) > 1:
            self.message.setText(self.tr("一次只能把同一学段、同一年份的新生录取到一个班级，请分开选择。"))
            return
        dialog = AcceptDialog(self.store, [r["name"] for r in offers], offers[0]["stage"], offers[0]["year"], self)
        if dialog.exec() != QDialog.Accepted:
            return
        self._accept([str(r["id"]) for r in offers], dialog.klass.currentData(), dialog.age_reason.text(), False)

    def _accept(self, tokens: list[str], class_code: str, reason: str, accept_valid: bool) -> None:
        title = self.tr("录取入班")

        def failed(exc: BaseException) -> None:
            if isinstance(exc, adm.RowsRefused):
                if ask_valid_part(self, title, exc, len(exc.result.accepted),
                                  f"只录取其余 {len(exc.result.accepted)} 名"):
                    self._accept(tokens, class_code, reason, True)
            else:
                self._failed(title, exc)

        self.job = run_job(self, title, on_worker(self.store, adm.accept), tokens, class_code,
                           accept_valid=accept_valid, age_exception=reason, today=self.today,
                           on_done=self._accepted, on_error=failed)

    def _accepted(self, result: adm.AcceptResult) -> None:
        self.refresh()
        names = {c.class_code: c.name for c in list_classes(self.store)}
        text = self.tr("已录取 %1 名新生到 %2。").replace("%1", str(len(result.accepted))).replace(
            "%2", names.get(result.class_code, result.class_code))
        if result.refused:
            text += self.tr("未录取：") + "；".join(f"{r['name']}：{r['message']}" for r in result.refused)
        self.message.setText(text)

    def _failed(self, title: str, exc: BaseException) -> None:
        if isinstance(exc, XuejiError):
            QMessageBox.warning(self, title, str(exc))
        else:
            QMessageBox.critical(self, title, f"程序内部错误：{exc!r}")

    def self_admit(self) -> None:
        dialog = SelfAdmitDialog(self.store, self, today=self.today)
        if dialog.exec() == QDialog.Accepted:
            self.refresh()
            number = self.store.query("SELECT name, student_number FROM students WHERE id = ?",
                                      (dialog.student_id,))[0]
            self.message.setText(self.tr("已自主招生：%1（学籍号 %2）。").replace("%1", number[0]).replace(
                "%2", number[1] or self.tr("补全出生日期后分配")))

    # ---- 学前调档 ---------------------------------------------------------------------------------------
    def import_preschool(self) -> None:
        dialog = PreschoolDialog(self.store, self)
        if dialog.exec() == QDialog.Accepted:
            self._import(dialog.path.text().strip(), dialog.klass.currentData(), dialog.age_reason.text(), False)

    def _import(self, path: str, class_code: str, reason: str, accept_valid: bool) -> None:
        title = self.tr("学前调档导入")

        def failed(exc: BaseException) -> None:
            if isinstance(exc, adm.RowsRefused):
                valid = exc.result.rows - len(exc.result.refused)
                if ask_valid_part(self, title, exc, valid, f"只导入其余 {valid} 行"):
                    self._import(path, class_code, reason, True)
            else:
                self._failed(title, exc)

        self.job = run_job(self, title, on_worker(self.store, import_preschool), path, class_code,
                           accept_valid=accept_valid, age_exception=reason, today=self.today,
                           on_done=self._imported, on_error=failed)

    def _imported(self, result) -> None:
        self.refresh()
        names = {c.class_code: c.name for c in list_classes(self.store)}
        text = self.tr("已注册 %1 名一年级新生到 %2").replace("%1", str(result.imported)).replace(
            "%2", names.get(result.class_code, result.class_code))
        if result.pending:
            text += self.tr("，其中 %1 名有错误待修正（在“学生信息”页修正）").replace("%1", str(result.pending))
        text += "。"
        if result.refused:
            text += self.tr("未导入：") + "；".join(f"第{r['row']}行 {r['name']}：{r['message']}"
                                                 for r in result.refused)
        self.message.setText(text)

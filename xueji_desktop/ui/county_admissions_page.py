"""招生 at the county: each school's plan per stage and year (设置计划…), the schools' plan-change requests
(批准申请 / 驳回申请…), and the 招生结果 list (template, import with the refused rows named, 重复招生查重 with a
decision: 保留在所选学校…). Plans, decisions and lists go down in the schools' feedback packages.

Every rule lives in county/admissions.py; these widgets collect input and show results. Importing a list runs
off the UI thread (ui/jobs.py).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QInputDialog,
    QLabel,
    QMessageBox,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..county import admissions as cadm
from ..county.schools import list_schools
from ..errors import XuejiError
from ..school import STAGES, school_year_of
from .dialog_parts import add_error_and_buttons, button_bar, heading
from .jobs import on_worker, run_job
from .simple_table import fill_table, run_action, simple_table

DECISIONS = {"": "待审核", "approved": "已批准", "rejected": "已驳回"}


class SetPlanDialog(QDialog):
    """设置招生计划: a school, a stage, a year and the number."""

    def __init__(self, store, parent=None, *, school_code: str = "") -> None:
        super().__init__(parent)
        self.store = store
        self.setWindowTitle(self.tr("设置招生计划"))
        self.setMinimumWidth(460)
        form = QFormLayout(self)
        self.school = QComboBox()
        for s in list_schools(store):
            self.school.addItem(f"{s['code']} {s['name']}", s["code"])
        if school_code:
            self.school.setCurrentIndex(max(0, self.school.findData(school_code)))
        self.stage = QComboBox()
        for stage, name in STAGES.items():
            self.stage.addItem(name, stage)
        self.year = QSpinBox()
        self.year.setRange(2000, 2999)
        self.year.setValue(school_year_of(date.today()) + (1 if date.today().month < 8 else 0))
        self.count = QSpinBox()
        self.count.setRange(0, 100_000)
        for label, widget in ((self.tr("学校"), self.school), (self.tr("学段"), self.stage),
                              (self.tr("招生年份"), self.year), (self.tr("计划人数"), self.count)):
            form.addRow(label, widget)
        self.error = add_error_and_buttons(self, form, self.tr("保存计划"), self.submit)

    def submit(self) -> None:
        try:
            if self.school.currentData() is None:
                raise XuejiError(self.tr("请先在“学校管理”页添加学校。"))
            cadm.set_plan(self.store, self.school.currentData(), self.stage.currentData(), self.year.value(),
                          self.count.value())
        except XuejiError as exc:
            self.error.setText(str(exc))
            return
        self.accept()


class CountyAdmissionsPage(QWidget):
    """招生: plans, plan-change requests, the 招生结果 list and its duplicates."""

    PLAN_HEADERS = ("学校标识码", "学校名称", "招生年份", "学段", "计划人数", "名单已录取")
    REQUEST_HEADERS = ("学校", "申请编号", "招生年份", "学段", "现计划", "申请人数", "理由", "审核")
    DUPLICATE_HEADERS = ("身份证件号", "姓名", "录取学校", "学段", "招生年份", "来源")

    def __init__(self, store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        layout.addWidget(heading(self.tr("各校招生计划")))
        bar, _ = button_bar(self, [(self.tr("设置计划…"), self.set_plan)])
        layout.addLayout(bar)
        self.plans_table = simple_table([self.tr(h) for h in self.PLAN_HEADERS])
        layout.addWidget(self.plans_table, 1)
        self.requests_heading = heading("")
        layout.addWidget(self.requests_heading)
        bar, _ = button_bar(self, [(self.tr("批准申请"), lambda: self.decide(True)),
                                   (self.tr("驳回申请…"), lambda: self.decide(False))])
        layout.addLayout(bar)
        self.requests_table = simple_table([self.tr(h) for h in self.REQUEST_HEADERS])
        layout.addWidget(self.requests_table, 1)
        self.duplicates_heading = heading("")
        layout.addWidget(self.duplicates_heading)
        bar, _ = button_bar(self, [(self.tr("导出招生结果模板…"), self.write_template),
                                   (self.tr("导入招生结果…"), self.import_list),
                                   (self.tr("保留在所选学校…"), self.keep)])
        layout.addLayout(bar)
        self.duplicates_table = simple_table([self.tr(h) for h in self.DUPLICATE_HEADERS])
        layout.addWidget(self.duplicates_table, 1)
        self.message = QLabel()
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.refresh()

    def showEvent(self, event) -> None:  # school packages imported elsewhere bring requests
        self.refresh()
        super().showEvent(event)

    def refresh(self) -> None:
        self.plans = cadm.list_plans(self.store)
        fill_table(self.plans_table, [[p["school_code"], p["school_name"], p["year"], p["stage_name"], p["count"],
                                       p["admitted"]] for p in self.plans], self.plans)
        self.requests = cadm.list_plan_requests(self.store)
        fill_table(self.requests_table, [
            [f"{r['school_code']} {r['school_name']}", f"#{r['request_id']}", r["year"], STAGES.get(r["stage"], ""),
             r["current"], r["count"], r["reason"], DECISIONS.get(r["decision"], r["decision"])
             + (f"：{r['decision_reason']}" if r["decision_reason"] else "")] for r in self.requests], self.requests)
        undecided = sum(not r["decision"] for r in self.requests)
        self.requests_heading.setText(self.tr("学校的计划变更申请（待审核 %1 条）").replace("%1", str(undecided)))
        self.duplicates = [dict(a, id_number=g["id_number"], name=g["name"])
                           for g in cadm.duplicates(self.store) for a in g["admissions"]]
        fill_table(self.duplicates_table, [[d["id_number"], d["name"], f"{d['school_code']} {d['school_name']}",
                                            STAGES.get(d["stage"], ""), d["year"], d["source"]]
                                           for d in self.duplicates], self.duplicates)
        groups = len({d["id_number"] for d in self.duplicates})
        self.duplicates_heading.setText(
            self.tr("招生结果名单与重复招生查重（待处理的重复招生 %1 人：处理前不随反馈包下发）").replace(
                "%1", str(groups)) if groups else self.tr("招生结果名单与重复招生查重（没有重复招生）"))

    def _selected(self, table, rows: list[dict], what: str) -> dict | None:
        row = table.currentRow()
        if row < 0 or row >= len(rows):
            self.message.setText(self.tr("请先在列表中选中%1。").replace("%1", what))
            return None
        return rows[row]

    def _done(self, text: str) -> None:
        self.refresh()
        self.message.setText(text)

    # ---- plans and requests ------------------------------------------------------------------------------
    def set_plan(self) -> None:
        row = self.plans_table.currentRow()
        code = self.plans[row]["school_code"] if 0 <= row < len(self.plans) else ""
        dialog = SetPlanDialog(self.store, self, school_code=code)
        if dialog.exec() == QDialog.Accepted:
            self._done(self.tr("已设置招生计划，随该校下一次反馈包下发。"))

    def decide(self, approve: bool) -> None:
        r = self._selected(self.requests_table, self.requests, self.tr("一条计划变更申请"))
        if r is None:
            return
        reason = ""
        if not approve:
            reason, ok = QInputDialog.getText(self, self.tr("驳回申请"), self.tr("驳回原因（学校会在反馈中看到）："))
            if not ok:
                return
        run_action(self, self.tr("审核计划变更申请"),
                   lambda: cadm.decide_plan_request(self.store, r["school_code"], r["request_id"], approve, reason),
                   lambda: self._done(self.tr("已审核，结果随该校下一次反馈包下发。")))

    # ---- the 招生结果 list ----------------------------------------------------------------------------------
    def write_template(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出招生结果模板"), self.tr("招生结果.xlsx"),
                                              self.tr("Excel 文件 (*.xlsx)"))
        if path:
            run_action(self, self.tr("导出招生结果模板"),
                       lambda: (self.store.require("clerk", "leader"), cadm.write_template(path)),
                       lambda: self.message.setText(self.tr("已写出招生结果模板：%1").replace("%1", path)))

    def import_list(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("导入招生结果"), "", self.tr("Excel 文件 (*.xlsx)"))
        if path:
            self._import(path, False)

    def _import(self, path: str, accept_valid: bool) -> None:
        self.job = run_job(self, self.tr("导入招生结果"), on_worker(self.store, cadm.import_list), path,
                           accept_valid=accept_valid, on_done=lambda result: self._imported(path, result, accept_valid))

    def _imported(self, path: str, result: cadm.ListResult, accept_valid: bool) -> None:
        refused = "；".join(f"第{p['row']}行 {p['name']}：{p['message']}" for p in result.problems[:20])
        valid = result.rows - len(result.problems)
        if result.problems and not accept_valid:
            text = self.tr("%1 行有问题，未导入任何记录：%2").replace("%1", str(len(result.problems))).replace(
                "%2", refused)
            ask = text + self.tr("\n\n是否只导入其余 %1 行？").replace("%1", str(valid))
            if valid and QMessageBox.question(self, self.tr("导入招生结果"), ask, QMessageBox.Yes | QMessageBox.No,
                                              QMessageBox.No) == QMessageBox.Yes:
                self._import(path, True)
                return
            self._done(text)
            return
        text = self.tr("已导入 %1 条录取记录。").replace("%1", str(result.imported))
        if result.problems:
            text += self.tr("未导入：") + refused
        if result.duplicates:
            text += self.tr("有 %1 名学生被多所学校录取，见下方重复招生列表：选中要保留的学校的一行，"
                            "点“保留在所选学校…”；处理前不会下发。").replace("%1", str(result.duplicates))
        self._done(text)

    def keep(self) -> None:
        d = self._selected(self.duplicates_table, self.duplicates, self.tr("要保留录取的那所学校的一行"))
        if d is None:
            return
        others = "、".join(f"{o['school_code']} {o['school_name']}" for o in self.duplicates
                          if o["id_number"] == d["id_number"] and o["school_code"] != d["school_code"])
        if QMessageBox.question(
                self, self.tr("处理重复招生"),
                self.tr("%1（%2）保留在 %3，撤销 %4 的录取？撤销随反馈包告知学校。").replace("%1", d["name"]).replace(
                    "%2", d["id_number"]).replace("%3", f"{d['school_code']} {d['school_name']}").replace("%4", others),
                QMessageBox.Yes | QMessageBox.No, QMessageBox.No) != QMessageBox.Yes:
            return
        run_action(self, self.tr("处理重复招生"),
                   lambda: cadm.keep_admission(self.store, d["id_number"], d["school_code"]),
                   lambda: self._done(self.tr("已保留在 %1，其他学校的录取已撤销（随反馈包告知学校）。").replace(
                       "%1", f"{d['school_code']} {d['school_name']}")))

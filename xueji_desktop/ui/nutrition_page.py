"""营养改善计划 (county): the schools that take part, the 县级责任体系, the 补助标准 and school days per term, and
the statistics (participating schools, 在校 students by school and stage, subsidy per term) with their workbook
and the init packages for the selected schools. All work is done by county/nutrition.py (also
`xueji county nutrition …`); this page collects input and shows results. On a city file the page is read-only
and shows every county's plan as its upward package carried it (county/city_nutrition.py): a table per county,
the city total, each county's contacts and school × stage rows."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..county import nutrition as nu
from ..county.city_nutrition import CityNutritionStats, compute_city_nutrition_stats, export_city_nutrition_xlsx
from ..county.nutrition_settings import list_contacts, school_days, standards
from ..county.workspace import store_level
from ..errors import XuejiError
from ..school import STAGES
from ..storage import Store
from .simple_table import fill_table, run_action, show_error, simple_table

STATS_HEADERS = ("学校标识码", "学校名称", "学段", "在校学生", "补助标准（元/生/天）", "每学期在校天数",
                 "每学期补助（元）", "说明")
COUNTY_HEADERS = ("县级区划代码", "县（区）", "营养计划", "享受营养餐学校", "已上报学校", "在校学生",
                  "补助标准（元/生/天）", "每学期在校天数", "每学期补助（元）")


class CountyNutritionPage(QWidget):
    def __init__(self, store: Store, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.city = store_level(store) == "city"
        edits: list[QWidget] = []  # hidden on a city file: each county's plan is its own
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setStyleSheet("font-size: 14px")
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)

        schools = QGroupBox(self.tr("享受营养餐的学校"))
        box = QVBoxLayout(schools)
        self.schools = simple_table([self.tr(h) for h in ("学校标识码", "学校名称", "享受营养餐", "在校学生")])
        box.addWidget(self.schools)
        row = QHBoxLayout()
        for text, enjoys in ((self.tr("设为享受"), True), (self.tr("设为不享受"), False)):
            button = QPushButton(text)
            button.clicked.connect(lambda _=False, e=enjoys: self.set_selected(e))
            row.addWidget(button)
            edits.append(button)
        make = QPushButton(self.tr("生成初始化包…"))
        make.setToolTip(self.tr("只为享受营养餐的学校生成初始化包（带本校的营养改善计划设置）"))
        make.clicked.connect(lambda: self.make_packages())
        row.addWidget(make)
        edits.append(make)
        row.addStretch(1)
        box.addLayout(row)
        layout.addWidget(schools)

        if self.city:
            counties = QGroupBox(self.tr("各县（区）营养改善计划"))
            self.counties = simple_table([self.tr(h) for h in COUNTY_HEADERS])
            QVBoxLayout(counties).addWidget(self.counties)
            layout.addWidget(counties)

        contacts = QGroupBox(self.tr("县级责任体系"))
        box = QVBoxLayout(contacts)
        first = "县（区）" if self.city else "编号"
        self.contacts = simple_table([self.tr(h) for h in (first, "职责", "单位", "负责人", "联系电话")])
        box.addWidget(self.contacts)
        row = QHBoxLayout()
        self.role = QComboBox()
        self.role.setEditable(True)
        self.role.addItems([self.tr(r) for r in nu.ROLES])
        self.unit, self.person, self.phone = QLineEdit(), QLineEdit(), QLineEdit()
        self.unit.setPlaceholderText(self.tr("责任单位"))
        self.person.setPlaceholderText(self.tr("负责人"))
        self.phone.setPlaceholderText(self.tr("手机号或 0351-4041234"))
        add = QPushButton(self.tr("添加责任人"))
        add.clicked.connect(self.add_contact)
        remove = QPushButton(self.tr("删除所选责任人"))
        remove.clicked.connect(self.remove_selected_contacts)
        for w in (self.role, self.unit, self.person, self.phone, add, remove):
            row.addWidget(w)
            edits.append(w)
        box.addLayout(row)
        layout.addWidget(contacts)

        standard = QGroupBox(self.tr("补助标准"))
        form = QFormLayout(standard)
        self.yuan: dict[int, QLineEdit] = {}
        for number, name in STAGES.items():
            edit = QLineEdit()
            edit.setPlaceholderText(self.tr("元/生/天，如 5；不填为未设"))
            edit.setMaximumWidth(260)
            form.addRow(self.tr(name), edit)
            self.yuan[number] = edit
        self.days = QSpinBox()
        self.days.setRange(1, 200)
        self.days.setMaximumWidth(260)
        self.days.setToolTip(self.tr("计算每学期补助用：在校学生 × 补助标准 × 每学期在校天数（默认 100 天）"))
        form.addRow(self.tr("每学期在校天数"), self.days)
        save = QPushButton(self.tr("保存补助标准"))
        save.clicked.connect(self.save_standards)
        save_row = QHBoxLayout()
        save_row.addWidget(save)
        save_row.addStretch(1)
        form.addRow(save_row)
        layout.addWidget(standard)
        edits.append(standard)  # at a city each county's standards are in its row of the table above

        stats = QGroupBox(self.tr("统计"))
        box = QVBoxLayout(stats)
        self.stats_label = QLabel()
        self.stats_label.setWordWrap(True)
        box.addWidget(self.stats_label)
        self.stats_table = simple_table([self.tr(h) for h in (("县（区）",) if self.city else ()) + STATS_HEADERS])
        box.addWidget(self.stats_table)
        row = QHBoxLayout()
        refresh = QPushButton(self.tr("刷新"))
        refresh.clicked.connect(self.refresh)
        export = QPushButton(self.tr("导出到 Excel…"))
        export.clicked.connect(lambda: self.export())
        row.addWidget(refresh)
        row.addWidget(export)
        row.addStretch(1)
        box.addLayout(row)
        layout.addWidget(stats, 1)
        for w in edits if self.city else ():
            w.hide()
        self.stats: nu.NutritionStats | CityNutritionStats = nu.NutritionStats()
        self.refresh()

    # ---- showing ---------------------------------------------------------------------------------
    def refresh(self) -> None:
        rows = nu.nutrition_schools(self.store)
        fill_table(self.schools, [[s["code"], s["name"], "是" if s["nutrition"] else "否",
                                   s["students"] if s["reported"] else self.tr("未上报")] for s in rows],
                   [s["code"] if not s["placeholder"] else s["name"] for s in rows])
        if self.city:
            self.refresh_city()
            return
        contacts = list_contacts(self.store)
        fill_table(self.contacts, [[c["id"], c["role"], c["unit"], c["person"], c["phone"]] for c in contacts],
                   [c["id"] for c in contacts])
        current = standards(self.store)
        for number, edit in self.yuan.items():
            edit.setText(str(current[number]) if number in current else "")
        self.days.setValue(school_days(self.store))
        self.stats = s = nu.compute_nutrition_stats(self.store)
        self.summary.setText(self.tr("享受营养餐的学校 %1 所（已上报 %2 所）；在校学生 %3 名；每学期补助 %4 元")
                             .replace("%1", str(s.schools)).replace("%2", str(s.reported))
                             .replace("%3", str(s.students)).replace("%4", str(s.subsidy)))
        by_stage = "；".join(f"{k} {v['students']} 名" + (f"，{v['subsidy']} 元" if v["subsidy"] is not None else "")
                            for k, v in s.by_stage.items())
        missing = (self.tr("　注意：%1还没有补助标准，未计入补助金额。").replace("%1", "、".join(s.missing_standards))
                   if s.missing_standards else "")
        self.stats_label.setText(self.tr("每学期补助 = 在校学生 × 补助标准 × 每学期在校天数（%1 天）。")
                                 .replace("%1", str(s.school_days)) + by_stage + missing)
        fill_table(self.stats_table, [[r["school_code"], r["school_name"], r["stage"], r["students"],
                                       r["yuan_per_day"] or "", r["school_days"], r["subsidy"] or "", r["note"]]
                                      for r in s.rows])

    def refresh_city(self) -> None:
        """Each county's plan, the city total, the counties' contacts and school × stage rows (read-only)."""
        self.stats = s = compute_city_nutrition_stats(self.store)
        missing = (self.tr("　未上报营养计划：%1（其汇总包由旧版程序写出或尚未上报），未计入合计。")
                   .replace("%1", "、".join(s.not_reported)) if s.not_reported else "")
        self.summary.setText(self.tr("全市享受营养餐的学校 %1 所（已上报 %2 所）；在校学生 %3 名；每学期补助 %4 元")
                             .replace("%1", str(s.schools)).replace("%2", str(s.reported))
                             .replace("%3", str(s.students)).replace("%4", str(s.subsidy)) + missing)
        fill_table(self.counties, s.county_table()[1:])
        contacts = [[c.name, p["role"], p["unit"], p["person"], p["phone"]] for c in s.counties if c.plan
                    for p in c.plan["contacts"]]
        fill_table(self.contacts, contacts)
        self.stats_label.setText(self.tr("各县（区）按自己的补助标准和每学期在校天数计算；营养改善计划由各县（区）"
                                         "设定、随县级汇总包上报，地市只能查看。"))
        fill_table(self.stats_table, [[r["county_name"], r["school_code"], r["school_name"], r["stage"],
                                       r["students"], r["yuan_per_day"] or "", r["school_days"], r["subsidy"] or "",
                                       r["note"]] for r in s.rows])

    def _selected(self, table) -> list:
        from PySide6.QtCore import Qt

        rows = sorted({i.row() for i in table.selectedItems()})
        return [table.item(r, 0).data(Qt.UserRole) for r in rows]

    # ---- actions -----------------------------------------------------------------------------------
    def set_selected(self, enjoys: bool) -> bool:
        which = self._selected(self.schools)
        if not which:
            QMessageBox.information(self, self.tr("享受营养餐的学校"), self.tr("请先在列表中选中学校。"))
            return False
        return run_action(self, self.tr("享受营养餐的学校"),
                          lambda: nu.set_participation(self.store, [str(w) for w in which], enjoys), self.refresh)

    def add_contact(self) -> bool:
        def then() -> None:
            for w in (self.unit, self.person, self.phone):
                w.clear()
            self.refresh()

        # a refusal keeps what was typed, to be corrected
        return run_action(self, self.tr("县级责任体系"), lambda: nu.add_contact(
            self.store, self.role.currentText(), self.unit.text(), self.person.text(), self.phone.text()), then)

    def remove_selected_contacts(self) -> bool:
        ids = self._selected(self.contacts)
        if not ids:
            QMessageBox.information(self, self.tr("县级责任体系"), self.tr("请先在列表中选中要删除的责任人。"))
            return False

        def remove() -> None:
            for cid in ids:
                nu.remove_contact(self.store, int(cid))

        return run_action(self, self.tr("县级责任体系"), remove, self.refresh)

    def save_standards(self) -> bool:
        ok = run_action(self, self.tr("补助标准"), lambda: nu.save_standards(
            self.store, {n: e.text() for n, e in self.yuan.items()}, self.days.value()), self.refresh)
        if ok:
            self.summary.setText(self.summary.text() + self.tr("　补助标准已保存。"))
        return ok

    def make_packages(self, folder: str | None = None) -> list[Path]:
        if not folder:
            folder = QFileDialog.getExistingDirectory(self, self.tr("选择初始化包的输出文件夹"))
        if not folder:
            return []
        try:
            paths, skipped = nu.make_nutrition_init_packages(self.store, folder)
        except XuejiError as exc:
            show_error(self, self.tr("生成初始化包"), exc)
            return []
        text = self.tr("已为 %1 所享受营养餐的学校写出初始化包。").replace("%1", str(len(paths)))
        if skipped:
            text += self.tr("未生成（还没有学校标识码）：%1。").replace("%1", "、".join(skipped))
        self.summary.setText(self.summary.text() + "　" + text)
        return paths

    def export(self, path: str | None = None) -> str | None:
        from .stats_page import export_stats_file

        if self.city:
            return export_stats_file(self, lambda target: export_city_nutrition_xlsx(self.store, target, self.stats),
                                     "全市营养改善计划统计.xlsx", path)
        return export_stats_file(self, lambda target: nu.export_nutrition_xlsx(self.store, target, self.stats),
                                 "营养改善计划统计.xlsx", path)

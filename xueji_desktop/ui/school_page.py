"""学校信息: the school profile and its campuses. Writes go through school.save_school_profile /
add_campus / update_campus (validated and audited there)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..errors import XuejiError
from ..school import add_campus, get_school_profile, list_campuses, save_school_profile, update_campus
from ..storage import Store

# (key, label, hint): the school items of the national system (shared/spec README §4).
PROFILE_FIELDS = [
    ("code", "学校标识码", "10 位数字，全国统一分配"),
    ("name", "学校名称", ""),
    ("name_en", "英文名称", "没有填“无”"),
    ("address", "地址", ""),
    ("region_code", "统计用区划代码", "12 位数字"),
    ("urban_rural", "驻地城乡类型", "如 111 主城区"),
    ("authority", "属地管理教育行政部门", ""),
    ("run_by", "办别", "如 公办"),
    ("category", "学校类别", "如 小学"),
    ("schooling", "学制", "如 六年制"),
    ("phone", "联系电话", ""),
]


class SchoolInfoPage(QWidget):
    def __init__(self, store: Store, parent=None) -> None:
        super().__init__(parent)
        self.store = store
        layout = QVBoxLayout(self)
        box = QGroupBox(self.tr("学校基本信息"))
        form = QFormLayout(box)
        self.edits: dict[str, QLineEdit] = {}
        for key, label, hint in PROFILE_FIELDS:
            edit = QLineEdit()
            edit.setPlaceholderText(hint)
            form.addRow(self.tr(label), edit)
            self.edits[key] = edit
        self.message = QLabel()
        form.addRow(self.message)
        save = QPushButton(self.tr("保存学校信息"))
        save.clicked.connect(self.save_profile)
        form.addRow(save)
        layout.addWidget(box)

        campus_box = QGroupBox(self.tr("校区"))
        campus_layout = QVBoxLayout(campus_box)
        self.campus_table = QTableWidget(0, 4)
        self.campus_table.setHorizontalHeaderLabels([self.tr("名称"), self.tr("地址"), self.tr("区划代码"),
                                                     self.tr("主校区")])
        self.campus_table.horizontalHeader().setStretchLastSection(True)
        self.campus_table.setColumnWidth(1, 320)
        campus_layout.addWidget(self.campus_table)
        row = QHBoxLayout()
        self.campus_name, self.campus_address, self.campus_region = QLineEdit(), QLineEdit(), QLineEdit()
        self.campus_name.setPlaceholderText(self.tr("校区名称"))
        self.campus_address.setPlaceholderText(self.tr("地址"))
        self.campus_region.setPlaceholderText(self.tr("12 位区划代码（可不填）"))
        add = QPushButton(self.tr("添加校区"))
        add.clicked.connect(self.add_campus)
        save_campuses = QPushButton(self.tr("保存校区修改"))
        save_campuses.clicked.connect(self.save_campuses)
        for w in (self.campus_name, self.campus_address, self.campus_region, add, save_campuses):
            row.addWidget(w)
        campus_layout.addLayout(row)
        layout.addWidget(campus_box, 1)

        # 营养改善计划 as the county sent it (init and feedback packages): read-only here.
        plan_box = QGroupBox(self.tr("营养改善计划（县级下发，只读）"))
        self.plan = QLabel()
        self.plan.setWordWrap(True)
        QVBoxLayout(plan_box).addWidget(self.plan)
        layout.addWidget(plan_box)
        self.load()

    def load(self) -> None:
        profile = get_school_profile(self.store) or {}
        for key, edit in self.edits.items():
            edit.setText(str(profile.get(key, "")))
        self.plan.setText(plan_text(self.store))
        self.campuses = list_campuses(self.store)
        self.campus_table.setRowCount(len(self.campuses))
        for r, c in enumerate(self.campuses):
            for col, value in enumerate((c.name, c.address, c.region_code, "是" if c.is_main else "否")):
                self.campus_table.setItem(r, col, QTableWidgetItem(value))

    def save_profile(self) -> None:
        profile = {**(get_school_profile(self.store) or {}), **{k: e.text().strip() for k, e in self.edits.items()}}
        try:
            with self.store.transaction() as tx:
                save_school_profile(tx, profile)
        except XuejiError as exc:
            self.message.setStyleSheet("color: #c0392b")
            self.message.setText(str(exc))
            return
        self.message.setStyleSheet("color: #1e8449")
        self.message.setText(self.tr("已保存。"))

    def add_campus(self) -> None:
        try:
            with self.store.transaction() as tx:
                add_campus(tx, self.campus_name.text(), self.campus_address.text(), self.campus_region.text(),
                           is_main=not self.campuses)
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("无法添加校区"), str(exc))
            return
        for edit in (self.campus_name, self.campus_address, self.campus_region):
            edit.clear()
        self.load()

    def save_campuses(self) -> None:
        try:
            with self.store.transaction() as tx:
                for r, c in enumerate(self.campuses):
                    cells = [self.campus_table.item(r, col).text().strip() for col in range(4)]
                    update_campus(tx, c.id, cells[0], cells[1], cells[2], cells[3] == "是")
        except XuejiError as exc:
            QMessageBox.warning(self, self.tr("无法保存校区"), str(exc))
            return
        self.load()


def plan_text(store: Store) -> str:
    """What the county sent of 营养改善计划, in a few lines (county/nutrition_settings.plan_view)."""
    from ..county.nutrition_settings import plan_view

    plan = plan_view(store)
    if plan["enjoys"] is None:
        return "还没有收到县级下发的营养改善计划设置（随初始化包、反馈包下发）。"
    county = f"{store.meta('county_code', '') or ''}{store.meta('county_name', '') or ''}"
    lines = [f"本校{'享受' if plan['enjoys'] else '不享受'}营养餐（由 {county} 设置）。"]
    standards = "，".join(f"{k} {v} 元/生/天" for k, v in plan["standards"].items()) or "未设置"
    lines.append(f"补助标准：{standards}；每学期在校 {plan['school_days']} 天。")
    for c in plan["contacts"]:
        lines.append(f"县级责任体系：{c.get('role', '')}　{c.get('unit', '')}　{c.get('person', '')}　"
                     f"{c.get('phone', '')}")
    return "\n".join(lines)


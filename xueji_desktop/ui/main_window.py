"""Main window: navigation on the left, one page per area on the right.

Pages are registered by name as "module:Class" strings and imported the first time they are shown,
so start-up stays fast and a page whose module is not there yet shows a clear placeholder instead of
breaking the window. A page that emits ``open_student(int)`` gets its rows opened in the student form.
"""

from __future__ import annotations

from importlib import import_module

from PySide6.QtCore import QCoreApplication, QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QLabel,
    QListWidget,
    QMainWindow,
    QMessageBox,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..county.workspace import refused_at_city, unit_words
from ..school import get_school_profile
from ..storage import Store
from .screen_fit import fit_screen, scrolling


def _t(text: str) -> str:
    return QCoreApplication.translate("MainWindow", text)


# Page name -> "module:Class" (under xueji_desktop.ui), or a list of (tab title, "module:Class").
SCHOOL_PAGES: dict[str, str | list[tuple[str, str]]] = {
    "学校信息": "school_page:SchoolInfoPage",
    "年级班级": "classes_page:ClassesPage",
    "学生信息": "student_list:StudentListPage",
    "学籍变动": "status_page:StatusPage",
    "转学": "transfer_page:TransferPage",
    "招生入学": "admissions_page:AdmissionsPage",
    "照片": "photo_page:PhotoPage",
    "导入导出": [("Excel 导入导出", "excel_page:ExcelPage"), ("上报数据包", "package_page:PackageExportPage")],
    "问题学籍": "package_page:ProblemsPage",
    "统计": "stats_page:StatsPage",
    "打印": "print_page:PrintPage",
    "班主任核对": "roles_pages:CheckPage",
    "数据导出申请": "roles_pages:ExportRequestsPage",
    "县级规则": "rules_page:SchoolRulesPage",
    "用户与日志": "users_page:UsersLogPage",
}
# A class teacher's account (issue 25) sees its classes through a scoped connection (access.py) and gets
# only the pages of its work: checking records against the paper forms, printing, the class statistics.
TEACHER_PAGES: dict[str, str | list[tuple[str, str]]] = {
    "班级核对": "roles_pages:CheckPage",
    "打印": "print_page:PrintPage",
    "统计": "stats_page:StatsPage",
}
COUNTY_PAGES: dict[str, str | list[tuple[str, str]]] = {
    "学校名单": "county_schools_page:CountySchoolsPage",
    "县级规则": "rules_page:CountyRulesPage",
    "营养改善计划": "nutrition_page:CountyNutritionPage",
    "导入上报数据": "county_pages:CountyImportPage",
    "学生数据": "county_browser:CountyStudentsPage",
    "统计": "county_stats_page:CountyStatsPage",
    "问题学籍": "package_page:ProblemsPage",
    "审核": [("数据审核和反馈", "county_pages:CountyReviewPage"),
             ("学籍异动", "county_changes_page:CountyChangesPage")],
    "转学": "transfer_page:CountyTransferPage",
    "招生": "county_admissions_page:CountyAdmissionsPage",
    "上报": "county_pages:CountyUpPage",
    "用户与日志": "users_page:UsersLogPage",
}


# The pages of functions only a county does (county/workspace.COUNTY_ONLY): not shown on a city file.
COUNTY_ONLY_PAGES = {"转学": "transfers", "招生": "admissions"}


def pages_for_user(store: Store) -> dict[str, str | list[tuple[str, str]]]:
    from ..access import is_class_scoped

    if store.mode == "county":
        return {name: target for name, target in COUNTY_PAGES.items()
                if name not in COUNTY_ONLY_PAGES or not refused_at_city(store, COUNTY_ONLY_PAGES[name])}
    return TEACHER_PAGES if is_class_scoped(store.user.roles) else SCHOOL_PAGES


def load_page_class(target: str):
    """The page class for "module:Class", or None when that module/class is not available."""
    module_name, _, class_name = target.partition(":")
    try:
        module = import_module(f"{__package__}.{module_name}")
    except ModuleNotFoundError as exc:
        if exc.name and exc.name.endswith(module_name):
            return None
        raise
    return getattr(module, class_name, None)


class PlaceholderPage(QWidget):
    def __init__(self, name: str, target: str, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        label = QLabel(self.tr("“%1”功能尚未安装在此版本中（%2）。").replace("%1", name).replace("%2", target))
        label.setAlignment(Qt.AlignCenter)
        label.setWordWrap(True)
        layout.addWidget(label)


class MainWindow(QMainWindow):
    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        school = get_school_profile(store) or {}
        side = unit_words(store).level if store.mode == "county" else self.tr("学校")
        self.setWindowTitle(self.tr("学籍信息采集") + f" - {school.get('name', '')}（{side}）[{store.user.username}]")
        self.registry = pages_for_user(store)
        self.names = list(self.registry)
        self.page_by_name: dict[str, QWidget] = {}
        self.leaf_pages: list[QWidget] = []  # every built page, tabs included
        self.forms: dict[int | None, QWidget] = {}
        splitter = QSplitter(Qt.Horizontal)
        self.nav = QListWidget()
        self.nav.setMaximumWidth(170)
        self.nav.setStyleSheet("QListWidget { font-size: 14px } QListWidget::item { padding: 8px }")
        self.pages = QStackedWidget()
        for name in self.names:
            self.nav.addItem(_t(name))
            self.pages.addWidget(QWidget())  # filled on first visit
        self.nav.currentRowChanged.connect(self.show_page)
        splitter.addWidget(self.nav)
        splitter.addWidget(self.pages)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([170, 1100])  # no empty gap between the navigation and the page
        self.setCentralWidget(splitter)
        self.statusBar().showMessage(self.tr("当前用户：%1（%2）").replace("%1", store.user.display_name
                                     or store.user.username).replace("%2", store.user.role_names))
        settings = QSettings()
        geometry = settings.value("main/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
        else:
            self.resize(fit_screen(self, 1280, 800))
        self._build_menus()
        if "学生信息" in self.names:
            self.page("学生信息")  # the clerk's main page is always there (forms report saves to it)
        start = settings.value("main/page") or ("学生信息" if "学生信息" in self.names else self.names[0])
        self.go(start if start in self.names else self.names[0])

    # ---- menus -------------------------------------------------------------------------
    def _build_menus(self) -> None:
        """文件 / 页面 / 帮助. Ctrl+F (查找学生) and Ctrl+K (查找功能) work from every window of the app."""
        bar = self.menuBar()
        file_menu = bar.addMenu(self.tr("文件(&F)"))
        self.find_student_action = file_menu.addAction(self.tr("查找学生(&S)…"), QKeySequence("Ctrl+F"),
                                                       self.find_student)
        self.find_function_action = file_menu.addAction(self.tr("查找功能(&K)…"), QKeySequence("Ctrl+K"),
                                                        self.find_function)
        for action in (self.find_student_action, self.find_function_action):
            action.setShortcutContext(Qt.ApplicationShortcut)
        file_menu.addSeparator()
        file_menu.addAction(self.tr("退出(&X)"), QKeySequence("Ctrl+Q"), self.close)
        pages_menu = bar.addMenu(self.tr("页面(&P)"))
        for n, name in enumerate(self.names):
            keys = QKeySequence(f"Ctrl+{n + 1}") if n < 9 else QKeySequence()
            pages_menu.addAction(_t(name), keys, lambda checked=False, name=name: self.go(name))
        help_menu = bar.addMenu(self.tr("帮助(&H)"))
        help_menu.addAction(self.tr("使用说明(&G)"), QKeySequence("F1"), self.show_guide)
        help_menu.addAction(self.tr("快捷键(&K)"), self.show_shortcuts)
        help_menu.addAction(self.tr("关于(&A)"), self.show_about)

    def find_student(self):
        from .find_dialogs import StudentSearchDialog

        self.search_dialog = dialog = StudentSearchDialog(self.store, QApplication.activeWindow() or self)
        dialog.open_student.connect(self.open_student)
        dialog.open()
        return dialog

    def find_function(self):
        from .find_dialogs import FunctionFinder

        self.function_finder = dialog = FunctionFinder(self, self)
        dialog.open()
        return dialog

    def show_guide(self):
        from .help import guide_dialog

        self.help_dialog = dialog = guide_dialog(self)
        dialog.show()
        return dialog

    def show_shortcuts(self):
        from .help import shortcuts_dialog

        self.help_dialog = dialog = shortcuts_dialog(self)
        dialog.show()
        return dialog

    def show_about(self):
        from .help import about_dialog

        self.help_dialog = dialog = about_dialog(self, self.store)
        dialog.show()
        return dialog

    # ---- pages ---------------------------------------------------------------------
    def go(self, name: str) -> QWidget:
        self.nav.setCurrentRow(self.names.index(name))
        return self.page(name)

    def page(self, name: str) -> QWidget:
        if name not in self.page_by_name:
            index = self.names.index(name)
            widget = self._build_page(name, self.registry[name])
            old = self.pages.widget(index)
            self.pages.removeWidget(old)
            old.deleteLater()
            self.pages.insertWidget(index, scrolling(widget))
            self.page_by_name[name] = widget
        return self.page_by_name[name]

    def current_page(self) -> QWidget | None:
        """The page shown now (the stack holds each page inside its scroll area)."""
        holder = self.pages.currentWidget()
        return holder.widget() if isinstance(holder, QScrollArea) else holder

    def show_page(self, row: int) -> None:
        if row < 0:
            return
        self.page(self.names[row])
        self.pages.setCurrentIndex(row)
        QSettings().setValue("main/page", self.names[row])

    def _build_page(self, name: str, target) -> QWidget:
        if isinstance(target, list):
            tabs = QTabWidget()
            for title, sub_target in target:
                tabs.addTab(self._build_page(title, sub_target), _t(title))
            return tabs
        cls = load_page_class(target)
        if cls is None:
            return PlaceholderPage(_t(name), target)
        page = cls(self.store, self)
        self.leaf_pages.append(page)
        signal = getattr(page, "open_student", None)
        if signal is not None and hasattr(signal, "connect"):
            signal.connect(self.open_student)
        if hasattr(page, "new_student"):
            page.new_student.connect(self.new_student)
        for name_ in ("imported", "classes_changed"):  # bulk changes: the list re-reads its keys and classes
            bulk = getattr(page, name_, None)
            if bulk is not None and hasattr(bulk, "connect"):
                bulk.connect(self._students_changed)
        return page

    def _students_changed(self, *_args) -> None:
        listing = self._list_page()
        if listing is not None:
            listing.reload_classes()
            listing.refresh()
        self._student_saved()

    def _student_saved(self, *_args) -> None:
        """Pages showing lists of students (上报's records to fix …) read them again."""
        for page in self.leaf_pages:
            changed = getattr(page, "students_changed", None)
            if callable(changed):
                changed()

    # ---- the student form ------------------------------------------------------------
    def _list_page(self):
        return self.page_by_name.get("学生信息")

    def open_student(self, student_id: int) -> QWidget:
        form = self.forms.get(student_id)
        if form is not None and form.isVisible():
            form.raise_()
            form.activateWindow()
            return form
        return self._open_form(student_id=student_id)

    def new_student(self, class_id: int | None = None) -> QWidget:
        return self._open_form(class_id=class_id)

    def _open_form(self, student_id: int | None = None, class_id: int | None = None) -> QWidget:
        from .student_form import StudentForm

        listing = self._list_page()
        try:
            form = StudentForm(self.store, student_id, class_id, self,
                               next_id=listing.next_student if listing else None)
        except Exception as exc:
            QMessageBox.warning(self, self.tr("无法打开学籍"), str(exc))
            raise
        form.setAttribute(Qt.WA_DeleteOnClose)
        if listing is not None:
            form.saved.connect(listing.student_saved)
        form.saved.connect(self._student_saved)
        self.forms[student_id] = form
        form.destroyed.connect(lambda *_a, key=student_id: self.forms.pop(key, None))
        form.show()
        return form

    def closeEvent(self, event) -> None:
        for form in list(self.forms.values()):
            if form.isVisible() and not form.close():
                event.ignore()
                return
        QSettings().setValue("main/geometry", self.saveGeometry())
        self.auto_backup()
        super().closeEvent(event)

    def auto_backup(self):
        """Rolling automatic backup on every close (the newest ``auto_backup_count`` are kept, default 7).
        A failure (full disk…) is shown but never keeps the clerk from closing."""
        from PySide6.QtGui import QCursor
        from PySide6.QtWidgets import QApplication, QMessageBox

        from ..errors import XuejiError
        from ..paths import user_data_dir
        from ..storage.backup import DEFAULT_AUTO_BACKUPS, auto_backup

        folder = user_data_dir() / "backups" / self.store.path.stem
        keep = int(self.store.meta("auto_backup_count", str(DEFAULT_AUTO_BACKUPS)) or DEFAULT_AUTO_BACKUPS)
        QApplication.setOverrideCursor(QCursor(Qt.WaitCursor))
        try:
            return auto_backup(self.store, folder, keep)
        except (XuejiError, OSError) as exc:
            QMessageBox.warning(self, self.tr("自动备份失败"),
                                self.tr("关闭前的自动备份没有完成：%1").replace("%1", str(exc)))
            return None
        finally:
            QApplication.restoreOverrideCursor()

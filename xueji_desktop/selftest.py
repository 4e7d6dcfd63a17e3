"""Self-test: a headless smoke run of every capability, for the frozen app on the clerk's PC and for CI.

Each step is a small function over a shared :class:`SelfTestContext`, working in a temporary folder that is
deleted afterwards (nothing is written to the user's data folder or next to the executable). A step returns a
short detail for the report, raises :class:`FeatureMissing` when the capability it exercises is not part of
this build, and any other exception is a failure. The run passes only when every step passed; missing
features fail the run too unless the caller explicitly allows them (``--allow-missing``), so a build that
lacks a feature can never report itself healthy by accident.

Qt-free: steps that need Qt (none so far) would be added by the GUI side through ``extra_steps``.
"""

from __future__ import annotations

import random
import secrets
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from importlib import import_module
from pathlib import Path
from typing import Any

OK, FAIL, MISSING = "ok", "fail", "missing"
MISSING_TEXT = "未包含（功能尚未合并）"
MARKS = {OK: "✓", FAIL: "✗", MISSING: "–"}


class FeatureMissing(Exception):
    """The capability a step exercises is not part of this build."""


class CheckFailed(Exception):
    """A self-test check did not hold (message in Chinese for the report)."""


def check(condition: Any, message: str) -> None:
    # Not `assert`: the frozen build may one day run with -O, and a self-test must never skip its checks.
    if not condition:
        raise CheckFailed(message)


@dataclass
class SelfTestContext:
    workdir: Path
    password: str = field(default_factory=lambda: "st-" + secrets.token_urlsafe(12))
    rng: random.Random = field(default_factory=lambda: random.Random(2022))
    store: Any = None                 # the temp school Store, opened by the first step
    class_id: int | None = None
    student_id: int | None = None
    record: dict[str, Any] | None = None

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
            self.store = None


@dataclass
class StepResult:
    title: str
    status: str
    seconds: float
    detail: str = ""

    def line(self) -> str:
        detail = MISSING_TEXT + (f"（{self.detail}）" if self.detail else "") if self.status == MISSING else self.detail
        return f"{MARKS[self.status]} {self.title}（{self.seconds:.2f} 秒）" + (f"：{detail}" if detail else "")


@dataclass
class SelfTestReport:
    results: list[StepResult]
    allow_missing: bool

    @property
    def failed(self) -> list[StepResult]:
        return [r for r in self.results if r.status == FAIL]

    @property
    def missing(self) -> list[StepResult]:
        return [r for r in self.results if r.status == MISSING]

    @property
    def passed(self) -> bool:
        return not self.failed and (self.allow_missing or not self.missing)

    def summary(self) -> str:
        total = sum(r.seconds for r in self.results)
        ok = sum(r.status == OK for r in self.results)
        text = f"自检{'通过' if self.passed else '未通过'}：{ok}/{len(self.results)} 项通过，共 {total:.1f} 秒"
        if self.failed:
            text += f"；失败 {len(self.failed)} 项"
        if self.missing:
            text += f"；{len(self.missing)} 项{MISSING_TEXT}"
            text += ("（已按 --allow-missing 忽略）" if self.allow_missing
                     else "（如只检查已合并的功能，请加 --allow-missing）")
        return text + "。"


Step = tuple[str, Callable[[SelfTestContext], str]]


def feature(module: str, *names: str) -> Any:
    """Public functions of a feature package, or FeatureMissing when this build does not have them yet."""
    try:
        mod = import_module(module)
    except ModuleNotFoundError as exc:
        # Only the feature's own module being absent means "not merged"; a library missing from the
        # frozen build (e.g. cv2) is exactly what the self-test exists to catch, so that stays a failure.
        if exc.name is None or not module.startswith(exc.name):
            raise
        raise FeatureMissing(f"{module} 不存在") from exc
    missing = [n for n in names if not hasattr(mod, n)]
    if missing:
        raise FeatureMissing(f"{module} 缺少 {', '.join(missing)}")
    if not names:
        return mod
    values = [getattr(mod, n) for n in names]
    return values[0] if len(values) == 1 else values


# ---- steps -------------------------------------------------------------------------------------------

def step_encrypted_store(ctx: SelfTestContext) -> str:
    """Create an encrypted school file, write a class and a student, reopen it, refuse a wrong password."""
    from .demo import DEMO_SCHOOL, demo_classes, make_student
    from .errors import WrongPassword
    from .records.students import add_student, get_student
    from .school import add_class
    from .storage import Store
    from .storage.connection import integrity_ok

    path = ctx.workdir / "selftest.xjdb"
    store, _recovery = Store.create(path, username="selftest", password=ctx.password, school=DEMO_SCHOOL)
    cls = demo_classes()[0]
    record = make_student(ctx.rng, cls)
    with store.transaction() as tx:
        info = add_class(tx, cls.entry_year, cls.stage, cls.number)
        student_id = add_student(tx, record, info.id)
    store.close()

    check(path.read_bytes()[:16] != b"SQLite format 3\0", "数据文件未加密（文件头是明文 SQLite）。")
    check(record["id_number"].encode() not in path.read_bytes(), "数据文件中出现了明文身份证号。")
    try:
        Store.open(path, "selftest", ctx.password + "x").close()
    except WrongPassword:
        pass
    else:
        raise CheckFailed("错误的密码也能打开数据文件。")
    ctx.store = Store.open(path, "selftest", ctx.password)
    ok, message = integrity_ok(ctx.store.conn)
    check(ok, f"数据文件完整性检查失败：{message}")
    stored = get_student(ctx.store, student_id)
    check(stored is not None and stored["id_number"] == record["id_number"], "重新打开后读不到刚写入的学生。")
    ctx.class_id, ctx.student_id, ctx.record = info.id, student_id, record
    return f"SQLCipher 加密，重新打开与完整性检查通过，错误密码被拒绝（{path.stat().st_size // 1024} KB）"


def step_validate_record(ctx: SelfTestContext) -> str:
    """A complete demo record validates clean; a spoiled copy is flagged on the right fields."""
    from .records.students import get_student
    from .validation import ERROR, validate_student

    check(ctx.store is not None and ctx.record is not None, "上一步未创建数据文件。")
    stored = get_student(ctx.store, ctx.student_id)
    errors = [i for i in stored["_issues"] if i["severity"] == ERROR]
    check(not errors, f"演示记录不应有错误，却有：{'；'.join(i['message'] for i in errors)}")
    spoiled = {**ctx.record, "name": "", "gender": "9"}
    found = {i.field for i in validate_student(spoiled) if i.severity == ERROR}
    check({"name", "gender"} <= found, f"缺姓名、性别代码错误的记录未被发现（只发现：{sorted(found)}）。")
    return f"演示记录无错误（状态 {stored['_status']}），缺项与错误代码被发现"


def step_excel_import(ctx: SelfTestContext) -> str:
    """Write a small template workbook (one row with an error), import it, import it again: no duplicates."""
    template, importer = feature("xueji_desktop.excel.template"), feature("xueji_desktop.excel.importer")
    record_row, write_workbook = template.record_row, template.write_workbook
    import_workbook = importer.import_workbook
    from .demo import demo_classes, make_student
    from .school import get_school_profile, list_classes

    check(ctx.store is not None, "上一步未创建数据文件。")
    cls = list_classes(ctx.store)[0]
    demo_cls = next(c for c in demo_classes() if c.code == cls.class_code)
    school_code = str((get_school_profile(ctx.store) or {}).get("code", ""))
    records = [make_student(ctx.rng, demo_cls) for _ in range(12)]
    records[-1]["household_address"] = ""          # a required item left empty: kept, marked 待修正
    path = ctx.workdir / "selftest.xlsx"
    write_workbook(path, [record_row(r, school_code, cls.name) for r in records])
    before = _student_count(ctx.store)
    first = import_workbook(ctx.store, path)
    check(first.rows == 12 and first.inserted == 12,
          f"应导入 12 行，实际读到 {first.rows} 行、新增 {first.inserted} 人。")
    check(first.pending >= 1, "缺必填项的一行没有标为待修正。")
    again = import_workbook(ctx.store, path)
    check(again.inserted == 0, f"同一文件再次导入新增了 {again.inserted} 人（应为 0，不得重复）。")
    check(_student_count(ctx.store) == before + 12, "再次导入后学生人数不对。")
    return f"12 行导入（{first.pending} 行待修正），再次导入无重复"


def step_photo_check_fix(ctx: SelfTestContext) -> str:
    """A phone snapshot fails the check; the fixed photo passes it (face detector data present in the build)."""
    check_photo_bytes = feature("xueji_desktop.photos.check", "check_photo_bytes")
    fix_photo_bytes = feature("xueji_desktop.photos.fix", "fix_photo_bytes")
    phone_photo = feature("xueji_desktop.photos.synth", "phone_photo")

    raw = phone_photo(7, size=(900, 1200))
    before = check_photo_bytes(raw, "phone.jpg")
    check(not before.ok, "手机原图（尺寸、背景不合规）未被检查出问题。")
    fixed = fix_photo_bytes(raw, replace_background=True, name="phone.jpg")
    after = check_photo_bytes(fixed.jpeg, "fixed.jpg")
    check(after.ok, f"修正后的照片仍不合格：{after.summary()}")
    check(len(fixed.jpeg) < 60 * 1024, f"修正后的照片 {len(fixed.jpeg) // 1024} KB，超过 60 KB。")
    return f"原图 {len(before.problems)} 个问题，修正后合格（{len(fixed.jpeg) // 1024} KB）"


def step_package_roundtrip(ctx: SelfTestContext) -> str:
    """County keys → init package → school export (signed, encrypted) → county import; a changed byte is refused."""
    workspace = feature("xueji_desktop.county.workspace")
    school_list = feature("xueji_desktop.county.schools")
    intake = feature("xueji_desktop.county.intake")
    school_side = feature("xueji_desktop.exchange.school_side")
    from .demo import DEMO_COUNTY, DEMO_SCHOOL
    from .errors import XuejiError

    check(ctx.store is not None, "上一步未创建数据文件。")
    county, _recovery, _fp = workspace.create_county_store(
        ctx.workdir / "county.xjdb", username="selftest", password=ctx.password, county=DEMO_COUNTY)
    try:
        school_list.add_school(county, DEMO_SCHOOL["code"], DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
        (init_path,) = school_list.make_init_packages(county, [DEMO_SCHOOL["code"]], ctx.workdir / "init")
        fingerprint = school_side.apply_init(ctx.store, school_side.read_init_package(init_path))
        package = school_side.export_package(ctx.store, ctx.workdir / "out", include_pending=True)
        tampered = ctx.workdir / "tampered" / package.name
        tampered.parent.mkdir()
        data = bytearray(package.read_bytes())
        data[len(data) // 2] ^= 0x01
        tampered.write_bytes(bytes(data))
        try:
            intake.import_package(county, tampered, confirm_fingerprint=fingerprint)
        except XuejiError:
            pass
        else:
            raise CheckFailed("改动了一个字节的数据包竟被县级接收。")
        intake.import_package(county, package, confirm_fingerprint=fingerprint)
        merged = county.conn.execute("SELECT count(*) FROM county_students").fetchone()[0]
        sent = _student_count(ctx.store)
        check(merged == sent, f"县级收到 {merged} 名学生，学校发出 {sent} 名。")
    finally:
        county.close()
    return f"{package.stat().st_size // 1024} KB 数据包，县级验签解密并合并 {merged} 人，篡改包被拒绝"


def _student_count(store) -> int:
    return store.conn.execute("SELECT count(*) FROM students").fetchone()[0]


def step_print_pdf(ctx: SelfTestContext) -> str:
    """Lay out the student's collection form and render it to a one-page PDF with the embedded CJK font."""
    form_pages = feature("xueji_desktop.printing.batch", "form_pages")
    # The layout is Qt-free core; drawing it needs Qt, which lives in ui/ (imported lazily, as the CLI does).
    from .ui.print_render import write_pdf

    check(ctx.store is not None and ctx.student_id is not None, "上一步未创建学生。")
    path = ctx.workdir / "selftest_form.pdf"
    pages = write_pdf(form_pages(ctx.store.conn, [ctx.student_id]), path, total=1)
    data = path.read_bytes()
    check(pages == 1 and data.startswith(b"%PDF"), f"应输出 1 页 PDF，实际 {pages} 页。")
    check(b"XuejiSerif" in data, "PDF 中没有嵌入程序自带的中文字体。")
    return f"采集表 1 页（{len(data) // 1024} KB，已嵌入中文字体）"


def step_qt_chinese(ctx: SelfTestContext) -> str:
    """Qt's own dialogs in Chinese: qtbase_zh_CN and the supplement in resources/i18n both load."""
    from .ui.app import SUPPLEMENT_PROBE, load_translators  # Qt lives in ui/ (imported lazily)

    loaded = dict(load_translators())
    check("qtbase_zh_CN" in loaded, "没有找到 Qt 的中文翻译 qtbase_zh_CN.qm。")
    check("qt_extra_zh_CN" in loaded, "没有找到补充翻译 resources/i18n/qt_extra_zh_CN.qm。")
    context, source, chinese = SUPPLEMENT_PROBE
    found = loaded["qt_extra_zh_CN"].translate(context, source)
    check(found == chinese, f"补充翻译未生效：“{source}”译为“{found}”。")
    return "Qt 对话框中文翻译已加载（qtbase_zh_CN + qt_extra_zh_CN）"


STEPS: list[Step] = [
    ("创建临时加密数据文件", step_encrypted_store),
    ("校验演示记录", step_validate_record),
    ("导入生成的 Excel 工作簿", step_excel_import),
    ("检查并修正照片", step_photo_check_fix),
    ("生成并校验数据包", step_package_roundtrip),
    ("打印一张采集表到 PDF", step_print_pdf),
    ("加载 Qt 对话框中文翻译", step_qt_chinese),
]


# ---- runner ------------------------------------------------------------------------------------------

def run_step(ctx: SelfTestContext, title: str, func: Callable[[SelfTestContext], str]) -> StepResult:
    start = time.perf_counter()
    try:
        detail, status = func(ctx) or "", OK
    except FeatureMissing as exc:
        detail, status = str(exc), MISSING
    except CheckFailed as exc:
        detail, status = str(exc), FAIL
    except Exception as exc:  # a crash in a step is a failed step, never an aborted self-test
        last = traceback.extract_tb(exc.__traceback__)[-1]
        detail = f"{type(exc).__name__}: {exc}（{Path(last.filename).name}:{last.lineno}）"
        status = FAIL
    return StepResult(title, status, time.perf_counter() - start, detail)


def run_self_test(*, allow_missing: bool = False, steps: Iterable[Step] | None = None,
                  extra_steps: Iterable[Step] = (), report: Callable[[StepResult], None] | None = None,
                  workdir: Path | None = None) -> SelfTestReport:
    """Run every step in a fresh temp folder (removed afterwards); ``report`` sees each result as it comes."""
    own_dir = workdir is None
    root = Path(tempfile.mkdtemp(prefix="xueji-selftest-")) if own_dir else Path(workdir)
    ctx = SelfTestContext(root)
    results = []
    try:
        for title, func in [*(STEPS if steps is None else steps), *extra_steps]:
            result = run_step(ctx, title, func)
            results.append(result)
            if report:
                report(result)
    finally:
        ctx.close()
        if own_dir:
            shutil.rmtree(root, ignore_errors=True)
    return SelfTestReport(results, allow_missing)


def environment_lines() -> list[str]:
    """Versions and where things are, for the report header (no personal data)."""
    import platform
    import sys

    from . import __version__
    from .paths import resources_dir

    frozen = "冻结包" if getattr(sys, "frozen", False) else "源码"
    return [f"xueji-desktop {__version__}（{frozen}），Python {platform.python_version()}，{platform.platform()}",
            f"资源目录：{resources_dir()}"]

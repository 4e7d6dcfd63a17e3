"""The CLI's listing commands (cli/common.print_rows) and admission jobs print exactly this, as text and --json.

The core's list function is replaced by fixed rows, so what is pinned here is the CLI's rendering only:
the core's own tests cover what the rows hold."""

from __future__ import annotations

import json
from dataclasses import asdict
from types import SimpleNamespace

import pytest

from xueji_desktop.cli import main
from xueji_desktop.records.admissions import AcceptResult, RowsRefused
from xueji_desktop.records.no_id_proof import ProofState
from xueji_desktop.records.preschool import PreschoolResult
from xueji_desktop.records.proposals import Proposal
from xueji_desktop.records.verification import ClassProgress
from xueji_desktop.school import ClassInfo


class _FakeStore:
    conn = None
    mode = "school"

    def meta(self, key, default=""):  # school problems: the county's review
        return {"review_state": "returned", "review_reason": "照片不全"}.get(key, default)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def close(self) -> None:
        pass

    def query(self, sql, params=()):  # class list: students a class
        return [(1, 40)]


def _export_request(**row):
    return SimpleNamespace(to_dict=lambda: row)


_STUDENT = {"class": "小学2024级(1)班", "gender": "男", "birth_date": "2017-03-07", "enrolment": "在校",
            "status": "正常", "county_accepted": False}
_COUNTY_STUDENT = {"school_code": "2114010001", "school_name": "双塔小学", "class_name": "小学2024级(1)班",
                   "grade": "二年级", "name": "王明", "gender": "男", "birth_date": "2017-03-07",
                   "id_number": "140105201703070011", "enrolment": "在校", "status": "正常", "photo": "有",
                   "id_problem": "", "age_exception": ""}
_CITY = SimpleNamespace(counties=[
    SimpleNamespace(code="140105", name="小店区", plan={"contacts": [
        {"role": "牵头部门", "unit": "小店区教育局", "person": "张三", "phone": "0351-4041234"}]}),
    SimpleNamespace(code="140106", name="迎泽区", plan=None)])
_PARTIES = {"rs": {"state": "approved"}, "rc": {"state": "pending"}, "ss": {}}
_PROPOSAL = dict(student_id=7, student_name="王明", class_code="2024101", note="", proposed_by="t1",
                 proposed_at="2026-03-01T08:30:15", decided_by="", decided_at="")

# (argv, the cli module whose open_store is replaced, {core function: rows}, the text it prints)
CASES = {
    "admissions list": (
        ["admissions", "list"], "admission_cmds", {"records.admissions.admission_list": [
            {"id": 3, "year": 2026, "stage_name": "小学", "name": "王明", "id_number": "140105201903070011",
             "state_name": "已录取", "class_code": "2026101", "student_number": "G140105201903070011"},
            {"id": 12, "year": 2026, "stage_name": "初中", "name": "李红", "id_number": "",
             "state_name": "待录取", "class_code": "", "student_number": ""}]},
        "    3  2026 小学  王明  140105201903070011  已录取 → 2026101 学籍号 G140105201903070011\n"
        "   12  2026 初中  李红  （无身份证件号）  待录取\n"),
    "admissions list, none": (
        ["admissions", "list"], "admission_cmds", {"records.admissions.admission_list": []},
        "没有招生名单（县级的招生名单随反馈包下发：xueji import-feedback PKG）。\n"),
    "county plan list": (
        ["county", "plan", "list"], "admission_cmds", {"county.admissions.list_plans": [
            {"school_code": "2114010001", "school_name": "双塔小学", "year": 2026, "stage_name": "小学",
             "count": 90, "admitted": 12}]},
        "2114010001 双塔小学  2026 小学  计划 90  名单已录取 12\n"),
    "county plan list, none": (
        ["county", "plan", "list"], "admission_cmds", {"county.admissions.list_plans": []}, ""),
    "county plan requests": (
        ["county", "plan", "requests"], "admission_cmds", {"county.admissions.list_plan_requests": [
            {"school_code": "2114010001", "school_name": "双塔小学", "request_id": 2, "year": 2026, "stage": 1,
             "current": 90, "count": 120, "reason": "新建小区", "decision": ""},
            {"school_code": "2114010002", "school_name": "郝庄小学", "request_id": 1, "year": 2026, "stage": 2,
             "current": 40, "count": 45, "reason": "扩班", "decision": "已批准"}]},
        "2114010001 双塔小学 #2  2026 学段1  90 → 120 人  理由：新建小区  待审核\n"
        "2114010002 郝庄小学 #1  2026 学段2  40 → 45 人  理由：扩班  已批准\n"),
    "county plan requests, none": (
        ["county", "plan", "requests"], "admission_cmds", {"county.admissions.list_plan_requests": []},
        "没有招生计划变更申请。\n"),
    "county admissions duplicates": (
        ["county", "admissions", "duplicates"], "admission_cmds", {"county.admissions.duplicates": [
            {"name": "王明", "id_number": "140105201903070011", "admissions": [
                {"school_code": "2114010001", "school_name": "双塔小学"},
                {"school_code": "2114010002", "school_name": "郝庄小学"}]}]},
        "王明 140105201903070011：被 2114010001双塔小学、2114010002郝庄小学 录取（xueji county admissions keep "
        "140105201903070011 --school 学校标识码）\n"),
    "county admissions duplicates, none": (
        ["county", "admissions", "duplicates"], "admission_cmds", {"county.admissions.duplicates": []},
        "没有重复招生。\n"),
    "transfer list": (
        ["transfer", "list"], "transfer_cmds", {"records.transfers.transfer_overview": [
            {"ref": "T3", "name": "王明", "direction": "in", "other_school": "2114010002",
             "other_school_name": "郝庄小学", "state_name": "待审核", "parties": _PARTIES, "next_step": "等待审核"},
            {"ref": "12", "name": "李红", "direction": "out", "other_school": "2114010001",
             "other_school_name": "双塔小学", "state_name": "已办结", "parties": {}, "next_step": "无"}]},
        "T3\t王明\t由 2114010002郝庄小学 转入\t待审核\t转入学校已同意，转入地县级待审核，转出学校未到，转出地县级未到\n"
        "\t下一步：等待审核\n"
        "12\t李红\t转出到 2114010001双塔小学\t已办结\n\t下一步：无\n"),
    "transfer list, none": (
        ["transfer", "list"], "transfer_cmds", {"records.transfers.transfer_overview": []}, "没有转学记录。\n"),
    "county transfers": (
        ["county", "transfers"], "transfer_cmds", {"county.transfers.list_transfers": [
            {"key": "2114010001-3", "name": "王明", "from_school": "2114010002", "from_school_name": "郝庄小学",
             "to_school": "2114010001", "to_school_name": "双塔小学", "state_name": "办理中", "parties": _PARTIES,
             "next_step": "等待转出学校"}]},
        "2114010001-3\t王明\t2114010002郝庄小学 → 2114010001双塔小学\t办理中\t"
        "转入学校已同意，转入地县级待审核，转出学校未到，转出地县级未到\n\t下一步：等待转出学校\n"),
    "county transfers, none": (
        ["county", "transfers"], "transfer_cmds", {"county.transfers.list_transfers": []}, "没有转学。\n"),
    "county schools": (
        ["county", "schools"], "county_cmds", {"county.schools.list_schools": [
            {"code": "2114010001", "name": "双塔小学", "placeholder": False, "students": 310, "last_sequence": 4,
             "review_name": "已通过", "fingerprint": "AB12 CD34"},
            {"code": "", "name": "马庄村小", "placeholder": True},
            {"code": "2114010002", "name": "郝庄小学", "placeholder": False, "students": 0, "last_sequence": 0,
             "review_name": "未上报", "fingerprint": ""}]},
        "2114010001\t双塔小学\t学生 310\t序号 4\t已通过\t指纹 AB12 CD34\n"
        "\t马庄村小\t（待补学校标识码）\n"
        "2114010002\t郝庄小学\t学生 0\t序号 0\t未上报\t指纹 （未登记）\n"),
    "county changes": (
        ["county", "changes"], "county_cmds", {"county.changes.list_county_changes": [
            {"school_code": "2114010001", "school_name": "双塔小学", "change_id": 5, "student_name": "王明",
             "kind_name": "休学", "effective_date": "2026-03-01", "reason": "病休",
             "evidence": [{"filename": "a.jpg"}, {"filename": "b.pdf"}], "decision": "",
             "decision_name": "待审核"},
            {"school_code": "2114010001", "school_name": "双塔小学", "change_id": 6, "student_name": "李红",
             "kind_name": "退学", "effective_date": "2026-03-02", "reason": "出国", "evidence": [],
             "decision": "rejected", "decision_name": "已驳回"}]},
        "2114010001双塔小学\t#5\t王明\t休学\t2026-03-01\t病休\t证明材料：a.jpg、b.pdf\t待审核\n"
        "2114010001双塔小学\t#6\t李红\t退学\t2026-03-02\t出国\t证明材料：无\t已驳回\n"),
    "export-request list": (
        ["export-request", "list"], "role_cmds", {"export_requests.list_requests": [
            _export_request(id="E1", state_name="已批准", expired=True, state="approved", unit="区卫生健康局",
                            purpose="学生体检", field_labels=["姓名", "性别"], valid_until="2026-06-30",
                            responsible="张三"),
            _export_request(id="E2", state_name="已撤销", expired=True, state="revoked", unit="团委",
                            purpose="统计", field_labels=["姓名"], valid_until="2026-01-31", responsible="李四")]},
        "E1\t已批准（已过期）\t区卫生健康局\t学生体检\t姓名,性别\t至 2026-06-30\t负责人 张三\n"
        "E2\t已撤销\t团委\t统计\t姓名\t至 2026-01-31\t负责人 李四\n"),
    "verify progress": (
        ["verify", "progress"], "role_cmds", {"records.verification.class_progress": [
            ClassProgress("2024101", "小学2024级(1)班", "王老师", 40, 10),
            ClassProgress("2024102", "小学2024级(2)班", "", 0, 0)]},
        "2024101\t小学2024级(1)班\t班主任 王老师\t已核对 10/40（25%）\n"
        "2024102\t小学2024级(2)班\t班主任 —\t已核对 0/0（0%）\n"),
    "proposals list": (
        ["proposals", "list"], "role_cmds", {"records.proposals.list_proposals": [
            Proposal(id=4, changes={"name": ["王敏", "王明"], "members.0.phone": ["", "13800000000"]},
                     state="pending", decision_note="", **_PROPOSAL),
            Proposal(id=5, changes={"name": ["王明", ""]}, state="rejected", decision_note="以户口簿为准",
                     **_PROPOSAL)]},
        "4\t待处理\t2024101 王明\t姓名：王敏 → 王明；家庭成员1联系电话：（空） → 13800000000\tt1 2026-03-01T08:30\n"
        "5\t未采纳\t2024101 王明\t姓名：王明 → （空）\tt1 2026-03-01T08:30\t以户口簿为准\n"),
    "proof list": (
        ["proof", "list"], "role_cmds", {"records.no_id_proof.needing_proof": [
            ProofState(7, "王明", "2024101", "2026-03-01", "", ""),
            ProofState(8, "李红", "2024102", "", "", "")]},
        "7\t2024101\t王明\t已打印\n8\t2024102\t李红\t未打印\n"),
    "proof list, none": (
        ["proof", "list"], "role_cmds", {"records.no_id_proof.needing_proof": []},
        "没有需要《无身份证号学生在校就读证明表》的学生。\n"),
    "class list": (
        ["class", "list"], "school_cmds", {"school.list_classes": [
            ClassInfo(1, "2024101", "小学2024级(1)班", 1, 2024, 1, "王老师"),
            ClassInfo(2, "2024102", "小学2024级(2)班", 1, 2024, 2)]},
        "2024101  小学2024级(1)班  班主任：王老师  学生 40 名\n2024102  小学2024级(2)班  班主任：—  学生 0 名\n"),
    "student list": (
        ["student", "list"], "student_cmds", {"records.edits.student_rows": [
            {"student_id": 7, "name": "王明", "id_number": "140105201703070011", **_STUDENT},
            {**_STUDENT, "student_id": 12, "name": "李红", "id_number": "", "county_accepted": True}]},
        "     7  小学2024级(1)班  王明  男  2017-03-07  140105201703070011  在校  正常\n"
        "    12  小学2024级(1)班  李红  男  2017-03-07    在校  正常  县级已审核\n共 2 名学生。\n"),
    "student list, none": (
        ["student", "list"], "student_cmds", {"records.edits.student_rows": []}, "共 0 名学生。\n"),
    "county students": (
        ["county", "students"], "county_view_cmds", {"county.students.list_students": [_COUNTY_STUDENT]},
        "学校标识码\t学校名称\t班级\t年级\t姓名\t性别\t出生日期\t身份证件号\t学籍状态\t数据状态\t照片\t身份证件号问题\t"
        "入学年龄例外\n2114010001\t双塔小学\t小学2024级(1)班\t二年级\t王明\t男\t2017-03-07\t140105201703070011\t在校\t"
        "正常\t有\t\t\n共 1 名。\n"),
    "county counties": (
        ["county", "counties"], "city_cmds", {"county.counties.list_counties": [
            {"code": "140105", "name": "小店区", "schools": 12, "students": 3400, "last_sequence": 2,
             "fingerprint": "AB12", "imported_at": "2026-03-01"},
            {"code": "140106", "name": "迎泽区", "schools": 0, "students": 0, "last_sequence": 0,
             "fingerprint": "", "imported_at": ""}]},
        "140105\t小店区\t学校 12\t学生 3400\t序号 2\t指纹 AB12\n"
        "140106\t迎泽区\t学校 0\t学生 0\t序号 0\t指纹 （未登记）\n共 2 个县（区），已上报 1 个。\n"),
    "county nutrition schools": (
        ["county", "nutrition", "schools"], "nutrition_cmds", {"county.nutrition.nutrition_schools": [
            {"code": "2114010001", "name": "双塔小学", "placeholder": False, "reported": True, "students": 310,
             "nutrition": True},
            {"code": "2114010002", "name": "郝庄小学", "placeholder": False, "reported": False, "students": 0,
             "nutrition": False},
            {"code": "", "name": "马庄村小", "placeholder": True, "reported": False, "students": 0,
             "nutrition": True}]},
        "学校标识码\t学校名称\t享受营养餐\t在校学生\n2114010001\t双塔小学\t是\t310\n2114010002\t郝庄小学\t否\t（未上报）\n"
        "\t马庄村小\t是\t（待补标识码）\n共 3 所，享受营养餐 2 所。\n"),
    "county nutrition contacts list": (
        ["county", "nutrition", "contacts", "list"], "nutrition_cmds", {
            "cli.nutrition_cmds._city_plans": None,
            "county.nutrition_settings.list_contacts": [
                {"id": 1, "role": "牵头部门", "unit": "迎泽区教育局", "person": "张三", "phone": "0351-4041234"}]},
        "编号\t职责\t单位\t负责人\t联系电话\n1\t牵头部门\t迎泽区教育局\t张三\t0351-4041234\n"),
    "county nutrition contacts list, none": (
        ["county", "nutrition", "contacts", "list"], "nutrition_cmds", {
            "cli.nutrition_cmds._city_plans": None, "county.nutrition_settings.list_contacts": []},
        "编号\t职责\t单位\t负责人\t联系电话\n县级责任体系还是空的：用 xueji county nutrition contacts add 添加。\n"),
    "county nutrition contacts list, city": (
        ["county", "nutrition", "contacts", "list"], "nutrition_cmds", {"cli.nutrition_cmds._city_plans": _CITY},
        "县级区划代码\t县（区）\t职责\t单位\t负责人\t联系电话\n140105\t小店区\t牵头部门\t小店区教育局\t张三\t0351-4041234\n"),
    "county schools verify": (
        ["county", "schools", "verify"], "county_school_cmds", {"county.schools.verify_schools": [
            {"code": "2114010001", "name": "双塔小学", "problem": "名称重复"}]},
        "2114010001\t双塔小学\t名称重复\n核对完毕：1 处需要处理。\n"),
    "county schools verify, none": (
        ["county", "schools", "verify"], "county_school_cmds", {"county.schools.verify_schools": []},
        "核对完毕：学校名单无误。\n"),
    "problems": (
        ["problems"], "package_cmds", {"records.problems.school_problems": [
            {"source": "县级", "kind_name": "重复学籍", "class_name": "小学2024级(1)班", "name": "王明",
             "student_id": 7, "message": "与郝庄小学重复"}]},
        "县级审核结论：退回，原因：照片不全\n"
        "[县级] 重复学籍\t小学2024级(1)班 王明（编号 7）\t与郝庄小学重复\n共 1 条问题记录。\n"),
    "photo-status": (
        ["photo-status"], "photo_cmds", {"photos.library.photo_overview": [
            {"class_name": "小学2024级(1)班", "name": "王明", "state": "不合格", "problems": "背景不是白色"},
            {"class_name": "小学2024级(1)班", "name": "李红", "state": "无照片", "problems": ""}]},
        "小学2024级(1)班\t王明\t不合格\t背景不是白色\n小学2024级(1)班\t李红\t无照片\t\n"),
}

# What --json prints where it is not the rows themselves.
JSON_OF = {
    "export-request list": lambda rows: [r.to_dict() for r in rows],
    "verify progress": lambda rows: [{**r.__dict__, "percent": r.percent} for r in rows],
    "proposals list": lambda rows: [p.to_dict() for p in rows],
    "proof list": lambda rows: [r.to_dict() for r in rows],
    "county nutrition contacts list, city": lambda rows: [
        {"county_code": "140105", "county_name": "小店区", **_CITY.counties[0].plan["contacts"][0]}],
    "class list": lambda rows: [{**asdict(c), "students": 40 if c.id == 1 else 0} for c in rows],
}


# Listings that exit 1 when they list anything (something to fix).
EXIT_1_WHEN_ROWS = {"county schools verify", "problems"}


def _run(monkeypatch, capsys, name: str, json_flag: bool) -> str:
    argv, cli_module, fakes, _text = CASES[name]
    monkeypatch.setattr(f"xueji_desktop.cli.{cli_module}.open_store", lambda args: _FakeStore())
    monkeypatch.setattr("xueji_desktop.county.workspace.require_county", lambda store: None)
    monkeypatch.setattr("xueji_desktop.county.nutrition.require_nutrition_county", lambda store: None)
    for target, rows in fakes.items():
        monkeypatch.setattr(f"xueji_desktop.{target}", lambda *a, rows=rows, **kw: rows)
    code = main([*argv, "--db", "unused.xjdb", *(["--json"] if json_flag else [])])
    assert code == (1 if name.split(",")[0] in EXIT_1_WHEN_ROWS and _rows(name) else 0)
    return capsys.readouterr().out


def _rows(name: str):
    return list(CASES[name][2].values())[-1]


@pytest.mark.parametrize("name", CASES)
def test_text(monkeypatch, capsys, name):
    assert _run(monkeypatch, capsys, name, json_flag=False) == CASES[name][3]


@pytest.mark.parametrize("name", CASES)
def test_json(monkeypatch, capsys, name):
    data = JSON_OF.get(name, JSON_OF.get(name.split(",")[0], lambda r: r))(_rows(name))
    assert _run(monkeypatch, capsys, name, json_flag=True) == json.dumps(data, ensure_ascii=False, indent=2) + "\n"


# ---- admission jobs (accept, import-preschool): the result, and with --json also the refused rows ----------

_ACCEPTED = AcceptResult([{"admission_id": 3, "student_id": 7, "name": "王明", "student_number": ""}], "2026101",
                         [{"admission_id": 4, "name": "李红", "id_number": "", "message": "已被录取"}])
_PRESCHOOL = PreschoolResult("名单.xlsx", "2026101", rows=3, imported=2, pending=1,
                             refused=[{"row": 4, "name": "李红", "message": "出生日期不对"}])
JOBS = {
    "admissions accept": (["admissions", "accept", "3", "4", "--class", "2026101"], "records.admissions.accept",
                          _ACCEPTED, "已录取 1 名新生到 2026101：\n  王明  学籍号 （补全出生日期后分配）\n"
                                     "  未录取 李红（序号 4）：已被录取\n"),
    "import-preschool": (["import-preschool", "名单.xlsx", "--class", "2026101"], "records.preschool.import_preschool",
                         _PRESCHOOL, "已注册 2 名一年级新生到 2026101，其中 1 名有错误待修正。\n"
                                     "  未导入 第4行 李红：出生日期不对\n"),
}


@pytest.mark.parametrize("name", JOBS)
@pytest.mark.parametrize("how", ["text", "json", "refused", "refused json"])
def test_admission_job(monkeypatch, capsys, name, how):
    argv, target, result, text = JOBS[name]

    def job(*a, **kw):
        if how.startswith("refused"):
            raise RowsRefused(result, "有不能录取的学生", ["李红：已被录取"], "加 --accept-valid 录取其余的。")
        return result

    monkeypatch.setattr("xueji_desktop.cli.admission_cmds.open_store", lambda args: _FakeStore())
    monkeypatch.setattr(f"xueji_desktop.{target}", job)
    code = main([*argv, "--db", "unused.xjdb", *(["--json"] if how.endswith("json") else [])])
    out, err = capsys.readouterr()
    as_json = json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n"
    assert (code, out, err) == {
        "text": (0, text, ""), "json": (0, as_json, ""),
        "refused": (2, "", "错误：有不能录取的学生：李红：已被录取。加 --accept-valid 录取其余的。\n"),
        "refused json": (2, as_json, "错误：有不能录取的学生：李红：已被录取。加 --accept-valid 录取其余的。\n")}[how]

"""The level above: a city store imports its counties' upward packages (school → county → city, real packages
all the way), shows every county's students, finds problems across counties and passes up again."""

from __future__ import annotations

import json

import pytest

from tests.conftest import PASSWORD
from tests.exchange.helpers import FakeSchool, county_public, records, snapshot, write
from xueji_desktop.county.city_intake import import_county_package
from xueji_desktop.county.counties import add_county, list_counties
from xueji_desktop.county.export import export_county_excel
from xueji_desktop.county.init_package import init_from_package, make_county_init
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.problems import county_problems
from xueji_desktop.county.review import review
from xueji_desktop.county.stats import compute_county_stats, county_summary
from xueji_desktop.county.students import CountyFilter, list_students
from xueji_desktop.county.upward import export_up
from xueji_desktop.county.workspace import create_county_store
from xueji_desktop.errors import BadInput
from xueji_desktop.exchange import keys, keystore

CITY = {"code": "1401", "name": "太原市", "city_code": "14", "city_name": "山西省"}
YINGZE, XIAODIAN = ("140106", "迎泽区"), ("140105", "小店区")


class Chain:
    """A city, two counties set up from its init packages, and their schools (FakeSchool: real signed packages)."""

    def __init__(self, tmp_path) -> None:
        self.tmp = tmp_path
        self.city, _r, _fp = create_county_store(tmp_path / "city.xjdb", username="admin", password=PASSWORD,
                                                 county=CITY, level="city")
        self.counties = {}
        for code, name in (YINGZE, XIAODIAN):
            pkg = make_county_init(self.city, code, name, tmp_path / "down")
            store, _r, _fp, _n = init_from_package(pkg, tmp_path / f"{code}.xjdb", username="admin",
                                                   password=PASSWORD)
            self.counties[code] = store
        self.schools = {"140106": [FakeSchool.new("2114010068", "双塔西街小学", "140106"),
                                   FakeSchool.new("2114010069", "迎泽实验小学", "140106")],
                        "140105": [FakeSchool.new("2114010501", "小店一小", "140105")]}
        self.sequence = {}

    def report(self, code: str, recs: dict[str, list]) -> None:
        """The county imports its schools' packages (``recs``: school code → records) and passes them."""
        county = self.counties[code]
        for school in self.schools[code]:
            if school.code not in recs:
                continue
            if not county.query("SELECT 1 FROM county_schools WHERE code = ?", (school.code,)):
                school.register(county)
            seq = self.sequence[school.code] = self.sequence.get(school.code, 0) + 1
            pkg = write(self.tmp, f"{school.code}-{seq}.xjpkg",
                        school.package(county_public(county), recs[school.code], sequence=seq))
            import_package(county, pkg, confirm_fingerprint=school.fingerprint)
            review(county, school.code, passed=True, reason="核对无误", force=True)

    def up(self, code: str):
        [aggregate] = export_up(self.counties[code], self.tmp / f"up-{code}")
        return aggregate

    def crafted(self, school: FakeSchool, county_code: str, school_county: str, sequence: int) -> bytes:
        """An upward package signed by ``county_code`` that carries ``school`` (an empty submission addressed to
        ``school_county``), built by hand as a county that tries to pass up a school it should not."""
        from xueji_desktop.county.upward import aggregate_body
        from xueji_desktop.exchange import payload
        from xueji_desktop.exchange.container import seal

        when = "2026-11-22T09:30:00"
        body = payload.build(school=school.profile(), county_code=school_county, classes=[], students=[],
                             sequence=sequence, created_at=when, include_pending=False)
        county = self.counties[county_code]
        return seal(kind="aggregate", sender={"code": county_code, "name": dict((YINGZE, XIAODIAN))[county_code]},
                    signing_private=keystore.require_private(county.conn, keystore.OWN_SIGNING),
                    recipient={"level": "city", "code": CITY["code"]}, recipient_x25519=county_public(self.city),
                    sequence=sequence, created_at=when,
                    body=aggregate_body([{"code": school.code, "name": school.name}], [(school.code, body)]))

    def fingerprint(self, code: str) -> str:
        return keystore.own_fingerprint(self.counties[code].conn)

    def close(self) -> None:
        for store in (self.city, *self.counties.values()):
            store.close()


def _two_counties(chain: Chain):
    a1, a2, b1 = records(5, seed=11), records(3, seed=12), records(4, seed=13)
    b1[0][1]["id_number"] = a1[0][1]["id_number"]  # the same child in both counties
    chain.report("140106", {"2114010068": a1, "2114010069": a2})
    chain.report("140105", {"2114010501": b1})
    for code in ("140106", "140105"):
        import_county_package(chain.city, chain.up(code), confirm_fingerprint=chain.fingerprint(code))
    return a1, a2, b1


def test_city_merges_counties_and_sees_every_student(chain, tmp_path):
    _a1, _a2, b1 = _two_counties(chain)
    city = chain.city
    summary = county_summary(city)
    assert summary["level"] == "city"
    assert (summary["students"], summary["reported_schools"]) == (12, 3)
    assert {c["code"]: (c["schools"], c["students"]) for c in list_counties(city)} == {
        "140106": (2, 8), "140105": (1, 4)}
    rows = list_students(city, CountyFilter())
    assert {r["school_code"] for r in rows} == {"2114010068", "2114010069", "2114010501"}
    assert sorted(r["name"] for r in list_students(city, CountyFilter(school="2114010501"))) == sorted(
        r["name"] for _c, r in b1)
    stats = compute_county_stats(city)
    assert stats.students == 12 and {c.school_code for c in stats.completeness if c.reported} == {
        "2114010068", "2114010069", "2114010501"}
    assert export_county_excel(city, tmp_path / "city.xlsx") == 12

    [dup] = [p for p in county_problems(city) if p["kind"] == "duplicate_id"]
    assert {(r["county_code"], r["school_code"]) for r in dup["records"]} == {
        ("140106", "2114010068"), ("140105", "2114010501")}
    assert {r["county_name"] for r in dup["records"]} == {"迎泽区", "小店区"}


def test_newer_package_replaces_that_county_only(chain):
    _two_counties(chain)
    chain.report("140106", {"2114010069": records(2, seed=20)})
    result = import_county_package(chain.city, chain.up("140106"))  # key registered: no confirmation needed
    assert (result.schools, result.students, result.replaced) == (2, 7, 8)
    per_school = dict(chain.city.query("SELECT school_code, count(*) FROM county_students GROUP BY school_code"))
    assert per_school == {"2114010068": 5, "2114010069": 2, "2114010501": 4}


def test_refusals_change_nothing(chain, tmp_path):
    chain.report("140106", {"2114010068": records(3, seed=31)})
    good = chain.up("140106")
    city = chain.city
    before = snapshot(city)
    with pytest.raises(BadInput, match="第一次上报"):
        import_county_package(city, good)
    with pytest.raises(BadInput, match=r"指纹.*不一致"):
        import_county_package(city, good, confirm_fingerprint="0000 0000 0000 0000 0000")
    tampered = bytearray(good.read_bytes())
    tampered[len(tampered) // 2] ^= 1
    with pytest.raises(BadInput, match=r"改动|签名|校验"):
        import_county_package(city, write(tmp_path, "tampered.xjpkg", bytes(tampered)),
                              confirm_fingerprint=chain.fingerprint("140106"))
    school_pkg = chain.schools["140106"][0].package(county_public(city), records(1))
    with pytest.raises(BadInput, match="不是县级汇总上报包"):
        import_county_package(city, write(tmp_path, "school.xjpkg", school_pkg))
    # a county the city never listed, though it encrypts to the city's key
    other, _r, _fp = create_county_store(tmp_path / "140107.xjdb", username="admin", password=PASSWORD,
                                         county={"code": "140107", "name": "杏花岭区", **_city_of()})
    with other:
        school = FakeSchool.new("2114010701", "杏花岭小学", "140107")
        school.register(other)
        import_package(other, write(tmp_path, "x.xjpkg", school.package(county_public(other), records(2))),
                       confirm_fingerprint=school.fingerprint)
        review(other, school.code, passed=True, reason="ok", force=True)
        [foreign] = export_up(other, tmp_path / "up-x", recipient_public=county_public(city))
    with pytest.raises(BadInput, match="140107杏花岭区 不在本市县（区）名单中"):
        import_county_package(city, foreign)
    assert snapshot(city) == before

    import_county_package(city, good, confirm_fingerprint=chain.fingerprint("140106"))
    with pytest.raises(BadInput, match="不比已导入的"):
        import_county_package(city, good)
    # a package encrypted for the county's own archive (not to the city) cannot be opened here
    add_county(city, "140107", "杏花岭区")
    with other_store(tmp_path / "140107.xjdb") as reopened:
        [archive] = export_up(reopened, tmp_path / "up-y", recipient_public=county_public(reopened))
        fp = keystore.own_fingerprint(reopened.conn)
    with pytest.raises(BadInput, match="不是发给本单位"):
        import_county_package(city, archive, confirm_fingerprint=fp)


def _city_of() -> dict[str, str]:
    return {"city_code": CITY["code"], "city_name": CITY["name"]}


def other_store(path, user: str = "admin", password: str = PASSWORD):
    from xueji_desktop.storage import Store

    return Store.open(path, user, password)


def test_a_county_cannot_pass_up_another_countys_school(chain, tmp_path):
    """The county signs what it sends, but a school outside its region is refused at the city."""
    stranger = FakeSchool.new("2114010502", "小店二小", "140105")
    data = chain.crafted(stranger, "140106", "140105", sequence=1)
    before = snapshot(chain.city)
    with pytest.raises(BadInput, match="2114010502小店二小 的区划代码 140105001000 不在县（区）140106迎泽区"):
        import_county_package(chain.city, write(tmp_path, "cross.xjpkg", data),
                              confirm_fingerprint=chain.fingerprint("140106"))
    assert snapshot(chain.city) == before
    signing = keystore.get_public(chain.counties["140106"].conn, keystore.OWN_SIGNING)
    assert keys.fingerprint(signing) == chain.fingerprint("140106")


def test_city_passes_up_again_in_the_seed_folder_layout(chain, tmp_path):
    """Seed 001 (逐级上报): 县 data in a folder named 代码+名称, the city's in 1401太原市 holding its counties."""
    from xueji_desktop.exchange import payload
    from xueji_desktop.exchange.container import open_envelope, read_file
    from xueji_desktop.exchange.safezip import SafeZip

    _two_counties(chain)
    written = export_up(chain.city, tmp_path / "out", folders=True)
    layout = sorted(str(p.relative_to(tmp_path / "out").parent) for p in written)
    assert layout == ["1401太原市", "1401太原市/140105小店区/2114010501小店一小",
                      "1401太原市/140106迎泽区/2114010068双塔西街小学",
                      "1401太原市/140106迎泽区/2114010069迎泽实验小学"]
    aggregate = written[-1]
    assert aggregate.name.startswith("1401太原市_")
    env = open_envelope(read_file(aggregate), aggregate.name)
    assert (env.kind, env.sender["code"], env.header["recipient"]) == ("aggregate", "1401",
                                                                      {"level": "province", "code": "14"})
    body = SafeZip(env.decrypt(keystore.require_private(chain.city.conn, keystore.OWN_ENCRYPTION)),
                   payload.INNER_LIMITS, "")
    sub = payload.parse(body.read("schools/2114010501.zip"), "")
    assert (sub.manifest["county_code"], len(sub.students)) == ("140105", 4)


def test_city_decision_travels_down_to_the_school(chain, tmp_path):
    """The city decides a duplicate across counties; its feedback to 小店区 carries the decision, and 小店区's next
    feedback to its school tells the school to delete or correct the record. Once corrected, the city marks the
    problem 已解决 on the next import."""
    import json

    from xueji_desktop.county.city_feedback import import_city_feedback, make_city_feedback
    from xueji_desktop.county.problems import resolve
    from xueji_desktop.county.review import make_feedback
    from xueji_desktop.exchange.container import open_envelope, read_file

    _a1, _a2, b1 = _two_counties(chain)
    city = chain.city
    [dup] = [p for p in county_problems(city) if p["kind"] == "duplicate_id"]
    assert "140106迎泽区 2114010068双塔西街小学" in " ".join(
        f["message"] for f in make_findings(city, "140105"))
    resolve(city, dup["id"], "2114010068", "户籍在迎泽区")
    # the same ID number twice, and so the same 正式学籍号 (G + ID number) each county gave its record
    assert {p["kind"] for p in county_problems(city)} == {"duplicate_id", "duplicate_number"}
    pkg, n = make_city_feedback(city, "140105", tmp_path / "down")
    assert n == 2
    xiaodian = chain.counties["140105"]
    assert import_city_feedback(xiaodian, pkg) == 2
    with pytest.raises(BadInput, match="不比已导入的"):
        import_city_feedback(xiaodian, pkg)
    with pytest.raises(BadInput, match="不是本县上级"):  # the city's feedback is not for 迎泽区 … nor from it
        import_city_feedback(xiaodian, make_city_feedback_from(chain.counties["140106"], tmp_path))

    school = chain.schools["140105"][0]
    feedback = make_feedback(xiaodian, school.code, tmp_path / "school")
    env = open_envelope(read_file(feedback), feedback.name)
    findings = json.loads(env.decrypt(school.encryption.private))["findings"]
    [mine] = [f for f in findings if f["problem_id"] == dup["id"]]
    assert mine["message"].startswith("地市裁定：") and "2114010068双塔西街小学 保留" in mine["message"]
    assert mine["uid"] == xiaodian.query("SELECT uid FROM county_students WHERE id_number = ?",
                                         (b1[0][1]["id_number"],))[0][0]

    # the school deletes the record; the county passes up again; the city finds the problem resolved
    chain.report("140105", {"2114010501": b1[1:]})
    feedback = make_feedback(xiaodian, school.code, tmp_path / "school")  # the deleted record is no longer named
    findings = json.loads(open_envelope(read_file(feedback), feedback.name).decrypt(school.encryption.private))
    assert not [f for f in findings["findings"] if f["problem_id"] == dup["id"]]
    import_county_package(city, chain.up("140105"))
    [done] = [p for p in county_problems(city, include_resolved=True) if p["id"] == dup["id"]]
    assert done["state"] == "已解决"


def make_findings(city, county_code):
    from xueji_desktop.county.city_feedback import city_findings

    return city_findings(city, county_code)


def make_city_feedback_from(county, tmp_path):
    """A feedback-kind package signed by a county, not by 小店区's city."""
    from xueji_desktop.exchange.container import seal

    data = seal(kind="feedback", sender={"code": "140106", "name": "迎泽区"},
                signing_private=keystore.require_private(county.conn, keystore.OWN_SIGNING),
                recipient={"level": "county", "code": "140105"}, recipient_x25519=None, sequence=9,
                created_at="2026-11-22T09:30:00", body=b'{"findings": []}')
    return write(tmp_path, "fake-feedback.xjpkg", data)


def test_cli_city(chain, tmp_path, monkeypatch, capsys):
    from xueji_desktop.cli import main

    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    a1, a2, b1 = records(2, seed=41), records(1, seed=42), records(2, seed=43)
    chain.report("140106", {"2114010068": a1, "2114010069": a2})
    chain.report("140105", {"2114010501": b1})
    ups = [str(chain.up("140106")), str(chain.up("140105"))]
    db = ["--db", str(tmp_path / "city.xjdb")]
    confirm = [f"--confirm-fingerprint=140106={chain.fingerprint('140106')}",
               f"--confirm-fingerprint=140105={chain.fingerprint('140105')}"]
    chain.city.close()
    assert main(["county", "import", *db, *ups, *confirm]) == 0
    out = capsys.readouterr().out
    assert "140106迎泽区 第 1 号，学校 2 所，学生 3 名" in out and "导入 2 个，拒绝 0 个" in out
    assert main(["county", "import", *db, ups[0]]) == 1
    assert "不比已导入的" in capsys.readouterr().err
    assert main(["info", *db]) == 0
    out = capsys.readouterr().out
    assert "地市：1401 太原市" in out and "县（区） 2 个（已上报 2 个）" in out and "学生 5 名" in out
    assert main(["county", "counties", *db]) == 0
    assert "140105\t小店区\t学校 1\t学生 2" in capsys.readouterr().out
    assert main(["county", "stats", *db]) == 0
    assert "140106迎泽区：学校 2 所（已上报 2 所），学生 3 名" in capsys.readouterr().out
    assert main(["county", "students", *db, "--school", "2114010501"]) == 0
    assert "共 2 名" in capsys.readouterr().out
    assert main(["county", "students", *db, "--county", "140106", "--json"]) == 0
    assert sorted(r["school_code"] for r in json.loads(capsys.readouterr().out)) == ["2114010068"] * 2 + [
        "2114010069"]
    assert main(["county", "students", *db, "--county", "140199"]) == 2
    assert "140199 不在本市县（区）名单中" in capsys.readouterr().err
    assert main(["county", "export-excel", *db, "--out", str(tmp_path / "all.xlsx")]) == 0
    assert "已导出 5 名学生" in capsys.readouterr().out
    assert main(["county", "counties", "add", *db, "150101", "新城区"]) == 2
    assert "以本市代码 1401 开头" in capsys.readouterr().err
    assert main(["county", "feedback", *db, "140106", "--out", str(tmp_path / "fb")]) == 0
    assert "已写出地市反馈包" in capsys.readouterr().out
    assert main(["county", "export-up", *db, "--out", str(tmp_path / "up"), "--folders"]) == 0
    assert (tmp_path / "up" / "1401太原市" / "140105小店区" / "2114010501小店一小").is_dir()
    chain.city = other_store(tmp_path / "city.xjdb")  # closed by the fixture


def test_a_county_cannot_take_over_a_school_the_city_lists_under_another(chain, tmp_path):
    _two_counties(chain)
    claimed = FakeSchool.new("2114010501", "小店一小", "140106")  # 小店区's school, relabelled into 迎泽区
    data = chain.crafted(claimed, "140106", "140106", sequence=99)
    before = snapshot(chain.city)
    with pytest.raises(BadInput, match="2114010501小店一小 在本市学校名单中属于县（区）140105"):
        import_county_package(chain.city, write(tmp_path, "claim.xjpkg", data))
    assert snapshot(chain.city) == before


def test_export_up_warns_only_when_no_key_of_the_level_above_is_known(chain, tmp_path, monkeypatch, capsys):
    """A county set up from the city's init package encrypts to the city without being told; the city itself
    (no province key yet) is warned that only it can open what it wrote."""
    from xueji_desktop.cli import main

    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    chain.report("140106", {"2114010068": records(2, seed=21)})
    county_db = chain.counties["140106"].path
    chain.counties["140106"].close()
    try:
        assert main(["county", "export-up", "--db", str(county_db), "--out", str(tmp_path / "c-up")]) == 0
        assert "未指定上级公钥" not in capsys.readouterr().err
    finally:
        chain.counties["140106"] = other_store(county_db)
    import_county_package(chain.city, chain.up("140106"), confirm_fingerprint=chain.fingerprint("140106"))
    city_db = chain.city.path
    chain.city.close()
    try:
        assert main(["county", "export-up", "--db", str(city_db), "--out", str(tmp_path / "city-up")]) == 0
        assert "未指定上级公钥" in capsys.readouterr().err
    finally:
        chain.city = other_store(city_db)


def test_a_leader_resets_a_countys_key_and_its_next_package_is_confirmed_again(chain):
    """As for a school (tests/exchange/test_fingerprint.py): leader only, with a reason, audited; afterwards the
    county's package is taken only with its (new) fingerprint confirmed."""
    from xueji_desktop.county.counties import reset_county_key
    from xueji_desktop.errors import PermissionDenied

    chain.report("140106", {"2114010068": records(2, seed=31)})
    import_county_package(chain.city, chain.up("140106"), confirm_fingerprint=chain.fingerprint("140106"))
    with pytest.raises(PermissionDenied, match="主管领导"):
        reset_county_key(chain.city, "140106", "县级电脑重装")
    chain.city.add_user("lingdao", "leader-pass", "leader")
    path = chain.city.path
    chain.city.close()
    chain.city = other_store(path, user="lingdao", password="leader-pass")
    with pytest.raises(BadInput, match="重置原因"):
        reset_county_key(chain.city, "140106", " ")
    old = reset_county_key(chain.city, "140106", "县级电脑重装")
    assert old == chain.fingerprint("140106")
    assert {c["code"]: c["fingerprint"] for c in list_counties(chain.city)}["140106"] == ""
    action, changes = chain.city.query("SELECT action, changes FROM audit_log ORDER BY id DESC LIMIT 1")[0]
    assert action == "重置县（区）密钥" and "县级电脑重装" in changes and "lingdao" in changes
    with pytest.raises(BadInput, match="还没有登记密钥"):
        reset_county_key(chain.city, "140106", "再来一次")


def test_the_city_import_names_the_age_exceptions_its_counties_schools_made(chain, tmp_path):
    county, school = chain.counties["140106"], chain.schools["140106"][0]
    school.register(county)
    recs = records(2, seed=41)
    exc = {"reason": "经县教育局批准提前入学", "by": "学籍管理员 admin", "at": "2026-09-02T10:00:00+00:00"}
    pkg = write(tmp_path, "s.xjpkg", school.package(county_public(county), recs, age_exceptions={1: exc}))
    import_package(county, pkg, confirm_fingerprint=school.fingerprint)
    review(county, school.code, passed=True, reason="核对无误", force=True)
    result = import_county_package(chain.city, chain.up("140106"), confirm_fingerprint=chain.fingerprint("140106"))
    [e] = result.age_exceptions
    assert (e["name"], e["reason"], e["by"], e["school_code"]) == (recs[1][1]["name"], exc["reason"], exc["by"],
                                                                   school.code)
    assert result.summary() == [f"入学年龄例外 1 名：{recs[1][1]['name']}（{exc['reason']}，{exc['by']}）"]

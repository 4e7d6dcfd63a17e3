"""What the county passes up carries every student's 学籍状态 and the school's change history (学籍异动),
read back from the real aggregate package."""

from __future__ import annotations

from datetime import date

from tests.conftest import PASSWORD
from xueji_desktop.county.intake import import_package
from xueji_desktop.county.review import review
from xueji_desktop.county.schools import add_school, make_init_packages
from xueji_desktop.county.upward import export_up
from xueji_desktop.demo import DEMO_SCHOOL
from xueji_desktop.exchange import keystore, payload, school_side
from xueji_desktop.exchange.container import open_envelope, read_file
from xueji_desktop.exchange.safezip import SafeZip
from xueji_desktop.records import changes as ch
from xueji_desktop.storage import Store


def test_aggregate_carries_enrolment_and_change_history(county, demo_store, demo_path, tmp_path):
    add_school(county, DEMO_SCHOOL["code"], DEMO_SCHOOL["name"], DEMO_SCHOOL["region_code"])
    [init] = make_init_packages(county, [DEMO_SCHOOL["code"]], tmp_path / "init")
    fp = school_side.apply_init(demo_store, school_side.read_init_package(init))
    sid = demo_store.query("SELECT id FROM students ORDER BY id LIMIT 1")[0][0]
    cid = ch.apply_change(demo_store, sid, "休学", effective_date=f"{date.today():%Y-%m-%d}", reason="病休",
                          evidence=[("诊断证明.pdf", b"%PDF-1.4 note")])
    with Store.open(demo_path, "leader", PASSWORD) as leader:
        ch.school_decide(leader, cid, approve=True)
    uid = demo_store.query("SELECT uid FROM students WHERE id = ?", (sid,))[0][0]
    import_package(county, school_side.export_package(demo_store, tmp_path / "up", include_pending=True),
                   confirm_fingerprint=fp)

    review(county, DEMO_SCHOOL["code"], passed=True, reason="核对无误", force=True)
    [aggregate] = export_up(county, tmp_path / "city")
    env = open_envelope(read_file(aggregate), aggregate.name)
    body = env.decrypt(keystore.require_private(county.conn, keystore.OWN_ENCRYPTION))
    zipped = SafeZip(body, payload.INNER_LIMITS, "")
    sub = payload.parse(zipped.read(f"schools/{DEMO_SCHOOL['code']}.zip"), "")
    by_uid = {s.uid: s for s in sub.students}
    assert by_uid[uid].enrolment == ch.SUSPENDED
    assert {s.enrolment for s in sub.students} >= {"enrolled", "suspended"}
    [change] = [c for c in sub.change_records if c["change_id"] == cid]
    assert (change["student_uid"], change["kind"], change["reason"]) == (uid, "suspend", "病休")

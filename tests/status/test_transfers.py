"""Transfers (转学) walked through real packages: school A → county → school B, and across counties, with
withdrawal, refusal and replays. At every step the child is 在读 in at most one school store (exactly one
except while the record is 在途 between the sending school's 转出 and its arrival) and at most once in
every county's merged data."""

from __future__ import annotations

import shutil

import pytest

from tests.status.transfer_world import close_all, new_county, new_school
from xueji_desktop.county import transfer_packages as link
from xueji_desktop.county import transfers as ct
from xueji_desktop.county.changes import decide_county_change
from xueji_desktop.county.intake import import_package
from xueji_desktop.errors import BadInput
from xueji_desktop.records import age_exceptions
from xueji_desktop.records import changes as ch
from xueji_desktop.records import transfers as tr

EVIDENCE = [("转学证明.jpg", b"\xff\xd8\xff\xe0 stamped certificate")]


@pytest.fixture
def world(tmp_path):
    county = new_county(tmp_path, "140106", "迎泽区")
    a = new_school(tmp_path, county, "2114010001", "双塔小学", seed=1)
    b = new_school(tmp_path, county, "2114010002", "桃园小学", seed=2)
    for s in (a, b):
        s.send_up(tmp_path)
    yield county, a, b
    close_all(county)


def _child(school) -> tuple[int, str, str]:
    sid, number, name = school.store.query("SELECT id, id_number, name FROM students ORDER BY id LIMIT 1")[0]
    return sid, number, name


def _once(number, schools, counties, in_transit=False):
    """The invariant: never 在读 in two places; exactly one school unless the record is on its way."""
    at_schools = sum(s.enrolled(number) for s in schools)
    assert at_schools == (0 if in_transit else 1) or (in_transit and at_schools in (0, 1))
    if not in_transit:
        assert at_schools == 1
    for c in counties:
        assert c.enrolled(number) <= 1
    assert sum(c.enrolled(number) for c in counties) <= 1
    for c in counties:  # the county never sees the moving child as a duplicate
        from xueji_desktop.county.problems import county_problems

        assert not [p for p in county_problems(c.store) if p["kind"] == "duplicate_id" and p["key"] == number]


def test_same_county_transfer_through_real_packages(world, tmp_path):
    county, a, b = world
    sid, number, name = _child(a)
    with a.store.transaction() as tx:  # the child was registered under the entry age at A, with a reason
        age_exceptions.record(tx, sid, "经县教育局批准提前入学", ["未满 6 周岁"])
    schools, counties = (a, b), (county,)
    _once(number, schools, counties)
    # 1. the receiving school B starts it, with the stamped certificate; its leader approves
    t = tr.request_transfer(b.store, id_number=number, name=name, from_school=a.code, effective_date="2026-12-01",
                            evidence=EVIDENCE, class_id=b.classes[next(iter(b.classes))])
    assert (t.state, t.ref) == (tr.T_APPLIED, f"T{t.id}")
    with pytest.raises(BadInput, match="未办结的转学申请"):
        tr.request_transfer(b.store, id_number=number, name=name, from_school=a.code, effective_date="2026-12-01",
                            evidence=EVIDENCE)
    assert tr.decide_request(b.store, t.id, approve=True).state == tr.T_SENT
    _once(number, schools, counties)
    # 2. B's package carries it up; the county checks it against A's data
    assert b.send_up(tmp_path).warnings == []
    key = t.key
    assert county.transfer(key)["next_step"].startswith(f"生成转出学校 {a.code} 的反馈包")
    # 3. the county's feedback carries it to A: a 转出 change waiting for A's leader
    assert a.get_feedback(tmp_path)["transfer_requests"] == 1
    [out] = [o for o in tr.outgoing(a.store) if o["key"] == key]
    assert (out["status"], out["to_school"]) == (ch.APPLIED, b.code)
    with pytest.raises(BadInput, match="只有转入学校可以撤销"):
        ch.withdraw(a.store, out["change_id"])
    assert a.get_feedback(tmp_path)["transfer_requests"] == 0  # repeated: not opened twice
    assert ch.school_decide(a.store, out["change_id"], approve=True).status == ch.COUNTY_PENDING
    _once(number, schools, counties)
    # 4. A's package goes up; the county approves the 转出 with decide-change
    a.send_up(tmp_path)
    assert county.transfer(key)["parties"]["ss"]["state"] == "approved"
    decide_county_change(county.store, a.code, out["change_id"], approve=True, reason="同意")
    # B hears of the progress, but nothing has arrived yet
    assert b.get_feedback(tmp_path)["arrived"] == 0
    assert tr.get_request(b.store.conn, t.id).parties["sc"]["state"] == "approved"
    _once(number, schools, counties)
    # 5. A imports the decision: 转出 (the child is now on the way: 在读 nowhere)
    a.get_feedback(tmp_path)
    assert ch.enrolment_of(a.store, sid) == ch.TRANSFERRED
    _once(number, schools, counties, in_transit=True)
    # until A's next package confirms 转出, B's feedback does not bring the record
    assert b.get_feedback(tmp_path)["arrived"] == 0
    a.send_up(tmp_path)
    assert county.enrolled(number) == 0
    _once(number, schools, counties, in_transit=True)
    # 6. B's next feedback brings the whole record: fields, family, photo, status history
    before, number_at_a = a.store.query("SELECT data, student_number FROM students WHERE id = ?", (sid,))[0]
    assert b.get_feedback(tmp_path)["arrived"] == 1
    _once(number, schools, counties)
    arrived = tr.get_request(b.store.conn, t.id)
    assert arrived.state == tr.T_ARRIVED
    new_sid = arrived.student_id
    assert b.store.query("SELECT data, enrolment, student_number FROM students WHERE id = ?", (new_sid,))[0] == (
        before, ch.ENROLLED, number_at_a)
    assert b.store.query("SELECT count(*) FROM photos WHERE student_id = ?", (new_sid,))[0][0] == 1
    assert b.store.query("SELECT count(*) FROM family_members WHERE student_id = ?", (new_sid,))[0][0] >= 1
    history = tr.status_history(b.store, new_sid)
    assert [h["kind"] for h in history][-2:] == ["transfer_out", "transfer_in"]
    # the 入学年龄例外 follows the child, naming who made it at A
    [exc] = age_exceptions.for_package(b.store.conn).values()
    assert exc["reason"] == "经县教育局批准提前入学" and a.store.user.username in exc["by"]
    # a replayed feedback is refused by its sequence; a repeated arrival part changes nothing
    assert b.get_feedback(tmp_path)["arrived"] == 0
    with pytest.raises(BadInput, match="撤销"):
        tr.withdraw_request(b.store, t.id)
    # 7. B's next package: the county sees the child 在读 at B, 转出 at A, and the transfer done
    b.send_up(tmp_path)
    _once(number, schools, counties)
    assert county.enrolled(number) == 1
    assert county.store.query("SELECT school_code FROM county_students WHERE id_number = ? AND enrolment = 'enrolled'",
                              (number,)) == [(b.code,)]
    assert county.transfer(key)["state"] == ct.COMPLETED
    assert county.store.query("SELECT count(*) FROM county_students WHERE school_code = ? AND data LIKE ?",
                              (b.code, "%经县教育局批准提前入学%")) == [(1,)]


def test_withdrawal_after_the_sending_school_marked_transferred_returns_the_child(world, tmp_path):
    county, a, b = world
    sid, number, name = _child(a)
    t = tr.request_transfer(b.store, id_number=number, name=name, from_school=a.code, effective_date="2026-12-01",
                            evidence=EVIDENCE)
    tr.decide_request(b.store, t.id, approve=True)
    b.send_up(tmp_path)
    a.get_feedback(tmp_path)
    [out] = tr.outgoing(a.store)
    ch.school_decide(a.store, out["change_id"], approve=True)
    a.send_up(tmp_path)
    decide_county_change(county.store, a.code, out["change_id"], approve=True)
    a.get_feedback(tmp_path)
    assert ch.enrolment_of(a.store, sid) == ch.TRANSFERRED
    # the family changes its mind: B withdraws before the record arrives
    assert tr.withdraw_request(b.store, t.id, "家长决定不转学").state == tr.T_WITHDRAWN
    b.send_up(tmp_path)
    assert county.transfer(t.key)["state"] == ct.WITHDRAWN
    a.send_up(tmp_path)  # A's confirmation of 转出 arrives after the withdrawal: the record goes nowhere
    assert b.get_feedback(tmp_path)["arrived"] == 0
    assert a.get_feedback(tmp_path)["transfer_cancellations"] == 1
    assert ch.enrolment_of(a.store, sid) == ch.ENROLLED
    assert ch.get_change(a.store.conn, out["change_id"]).status == ch.WITHDRAWN
    _once(number, (a, b), (county,))
    a.send_up(tmp_path)
    assert county.enrolled(number) == 1


def test_refusal_by_the_sending_school_reaches_the_requester(world, tmp_path):
    county, a, b = world
    sid, number, name = _child(a)
    t = tr.request_transfer(b.store, id_number=number, name=name, from_school=a.code, effective_date="2026-12-01",
                            evidence=EVIDENCE)
    tr.decide_request(b.store, t.id, approve=True)
    b.send_up(tmp_path)
    a.get_feedback(tmp_path)
    [out] = tr.outgoing(a.store)
    with pytest.raises(BadInput, match="原因"):
        ch.school_decide(a.store, out["change_id"], approve=False)
    ch.school_decide(a.store, out["change_id"], approve=False, reason="该生学费纠纷未结清，请家长先来校")
    a.send_up(tmp_path)
    assert county.transfer(t.key)["state"] == ct.REFUSED
    b.get_feedback(tmp_path)
    refused = tr.get_request(b.store.conn, t.id)
    assert refused.state == tr.T_REFUSED and "学费纠纷" in refused.state_reason and "转出学校" in refused.state_reason
    assert ch.enrolment_of(a.store, sid) == ch.ENROLLED
    _once(number, (a, b), (county,))
    # a new request is possible once the first one ended
    tr.request_transfer(b.store, id_number=number, name=name, from_school=a.code, effective_date="2027-01-05",
                        evidence=EVIDENCE)


def test_the_county_refuses_what_it_cannot_match(world, tmp_path):
    _county, a, b = world
    _sid, number, _name = _child(a)
    unknown = "110101201501010011"
    wrong_name = tr.request_transfer(b.store, id_number=number, name="王小二", from_school=a.code,
                                     effective_date="2026-12-01", evidence=EVIDENCE)
    nobody = tr.request_transfer(b.store, id_number=unknown, name="李四", from_school=a.code,
                                 effective_date="2026-12-01", evidence=EVIDENCE)
    for t in (wrong_name, nobody):
        tr.decide_request(b.store, t.id, approve=True)
    warnings = b.send_up(tmp_path).warnings
    assert any("姓名与学籍不符" in w for w in warnings) and any("没有身份证件号为" in w for w in warnings)
    assert a.get_feedback(tmp_path)["transfer_requests"] == 0
    b.get_feedback(tmp_path)
    assert {tr.get_request(b.store.conn, t.id).state for t in (wrong_name, nobody)} == {tr.T_REFUSED}
    assert "转入地县级拒绝" in tr.get_request(b.store.conn, nobody.id).state_reason


def test_bad_requests_change_nothing(world, tmp_path):
    _county, a, b = world
    _sid, number, name = _child(a)
    own = _child(b)
    cases = [
        (dict(id_number="110101201501010019"), "校验"),
        (dict(from_school="123"), "10 位数字"),
        (dict(from_school=b.code), "本校"),
        (dict(effective_date="2026-13-01"), "日期"),
        (dict(evidence=[]), "转学证明"),
        (dict(name=" "), "姓名"),
        (dict(id_number=own[1], name=own[2]), "已是本校"),
    ]
    for change, message in cases:
        args = dict(id_number=number, name=name, from_school=a.code, effective_date="2026-12-01", evidence=EVIDENCE)
        args.update(change)
        with pytest.raises(BadInput, match=message):
            tr.request_transfer(b.store, **args)
    assert b.store.query("SELECT count(*) FROM transfers") == [(0,)]
    with pytest.raises(BadInput, match="转学申请"):
        ch.apply_change(b.store, own[0], "转入", effective_date="2026-12-01", reason="x", evidence=EVIDENCE)


def test_a_replayed_school_package_changes_nothing(world, tmp_path):
    county, a, b = world
    _sid, number, name = _child(a)
    t = tr.request_transfer(b.store, id_number=number, name=name, from_school=a.code, effective_date="2026-12-01",
                            evidence=EVIDENCE)
    tr.decide_request(b.store, t.id, approve=True)
    from xueji_desktop.exchange import school_side

    pkg = school_side.export_package(b.store, tmp_path / "replay", include_pending=True)
    import_package(county.store, pkg)
    copy = tmp_path / "copy.xjpkg"
    shutil.copyfile(pkg, copy)
    before = county.store.query("SELECT * FROM county_transfers")
    with pytest.raises(BadInput, match="序号"):
        import_package(county.store, copy)
    assert county.store.query("SELECT * FROM county_transfers") == before


# ---- across counties ------------------------------------------------------------------------------------

@pytest.fixture
def two_counties(tmp_path):
    x = new_county(tmp_path, "140106", "迎泽区")
    y = new_county(tmp_path, "140107", "杏花岭区")
    a = new_school(tmp_path, x, "2114010001", "双塔小学", seed=1)
    b = new_school(tmp_path, y, "2114020002", "杏花小学", seed=2)
    a.send_up(tmp_path)
    b.send_up(tmp_path)
    yield x, y, a, b
    close_all(x, y)


def _carry(sender, receiver, tmp_path, confirm=False):
    """One county's transfer-out packages into the other county (the one addressed to it)."""
    written = link.transfer_out(sender.store, tmp_path / f"from{sender.code}")
    [pkg] = [p for p in written if f"至{receiver.code}" in p.name]
    return link.transfer_in(receiver.store, pkg, confirm_fingerprint=sender.fingerprint if confirm else None), pkg


def _request_across(x, y, a, b, tmp_path):
    _sid, number, name = _child(a)
    t = tr.request_transfer(b.store, id_number=number, name=name, from_school=a.code, effective_date="2026-12-01",
                            evidence=EVIDENCE)
    tr.decide_request(b.store, t.id, approve=True)
    b.send_up(tmp_path)
    assert y.transfer(t.key)["next_step"].startswith("审核转入申请")
    with pytest.raises(BadInput, match="--from-county"):
        ct.decide_request(y.store, b.code, t.ref, approve=True)
    ct.decide_request(y.store, b.code, t.ref, approve=True, from_county=x.code)
    # first contact: Y introduces its keys, X answers with its own, then the request travels encrypted
    intro = link.transfer_out(y.store, tmp_path / "intro")
    with pytest.raises(BadInput, match="指纹") as refused:
        link.transfer_in(x.store, intro[0])
    assert y.fingerprint not in str(refused.value)  # never shown: it could be copied back
    with pytest.raises(BadInput, match="不一致"):
        link.transfer_in(x.store, intro[0], confirm_fingerprint=x.fingerprint)
    assert link.transfer_in(x.store, intro[0], confirm_fingerprint=y.fingerprint)["registered"]
    assert x.store.query("SELECT count(*) FROM county_transfers") == [(0,)]  # an introduction carries no data
    _carry(x, y, tmp_path, confirm=True)
    result, pkg = _carry(y, x, tmp_path)
    assert result["requests"] == 1 and result["refused"] == []
    with pytest.raises(BadInput, match="序号"):  # the same package again: refused, nothing changes
        link.transfer_in(x.store, pkg)
    return t, number


def test_cross_county_transfer_with_county_to_county_packages(two_counties, tmp_path):
    x, y, a, b = two_counties
    schools, counties = (a, b), (x, y)
    t, number = _request_across(x, y, a, b, tmp_path)
    _once(number, schools, counties)
    assert x.transfer(t.key)["role"] == "sending" and y.transfer(t.key)["role"] == "receiving"
    # the sending county hands it to the sending school; its leader approves; the county decides
    assert a.get_feedback(tmp_path)["transfer_requests"] == 1
    [out] = tr.outgoing(a.store)
    ch.school_decide(a.store, out["change_id"], approve=True)
    a.send_up(tmp_path)
    decide_county_change(x.store, a.code, out["change_id"], approve=True, reason="同意转出")
    _carry(x, y, tmp_path)
    b.get_feedback(tmp_path)
    parties = tr.get_request(b.store.conn, t.id).parties
    assert {p: parties[p]["state"] for p in ("rc", "ss", "sc")} == {"rc": "approved", "ss": "approved",
                                                                     "sc": "approved"}
    _once(number, schools, counties)
    # 转出 at A, confirmed up to X, the record carried X → Y → B
    a.get_feedback(tmp_path)
    _once(number, schools, counties, in_transit=True)
    a.send_up(tmp_path)
    _carry(x, y, tmp_path)
    _once(number, schools, counties, in_transit=True)
    assert b.get_feedback(tmp_path)["arrived"] == 1
    _once(number, schools, counties)
    b.send_up(tmp_path)
    _once(number, schools, counties)
    assert (x.enrolled(number), y.enrolled(number)) == (0, 1)
    assert y.transfer(t.key)["state"] == ct.COMPLETED
    _carry(y, x, tmp_path)
    assert x.transfer(t.key)["state"] == ct.COMPLETED


def test_cross_county_refusal_by_the_sending_county_reaches_the_requester(two_counties, tmp_path):
    x, y, a, b = two_counties
    t, number = _request_across(x, y, a, b, tmp_path)
    a.get_feedback(tmp_path)
    [out] = tr.outgoing(a.store)
    ch.school_decide(a.store, out["change_id"], approve=True)
    a.send_up(tmp_path)
    with pytest.raises(BadInput, match="原因"):
        decide_county_change(x.store, a.code, out["change_id"], approve=False)
    decide_county_change(x.store, a.code, out["change_id"], approve=False, reason="学籍信息待核实")
    a.get_feedback(tmp_path)
    assert ch.get_change(a.store.conn, out["change_id"]).status == ch.COUNTY_REJECTED
    _carry(x, y, tmp_path)
    b.get_feedback(tmp_path)
    refused = tr.get_request(b.store.conn, t.id)
    assert refused.state == tr.T_REFUSED and "转出地县级拒绝：学籍信息待核实" == refused.state_reason
    _once(number, (a, b), (x, y))


def test_cross_county_withdrawal_cancels_at_the_sending_school(two_counties, tmp_path):
    x, y, a, b = two_counties
    t, number = _request_across(x, y, a, b, tmp_path)
    a.get_feedback(tmp_path)
    [out] = tr.outgoing(a.store)
    assert out["status"] == ch.APPLIED
    tr.withdraw_request(b.store, t.id, "家长改变主意")
    b.send_up(tmp_path)
    _carry(y, x, tmp_path)
    assert x.transfer(t.key)["state"] == ct.WITHDRAWN
    assert a.get_feedback(tmp_path)["transfer_cancellations"] == 1
    assert ch.get_change(a.store.conn, out["change_id"]).status == ch.WITHDRAWN
    _once(number, (a, b), (x, y))


def test_a_county_package_from_a_stranger_key_or_to_another_county_is_refused(two_counties, tmp_path):
    x, y, a, b = two_counties
    _request_across(x, y, a, b, tmp_path)
    z = new_county(tmp_path, "140108", "尖草坪区")
    try:
        with z.store.transaction() as tx:
            tx.execute("INSERT INTO county_peers (code) VALUES ('140106')")
        [intro] = link.transfer_out(z.store, tmp_path / "z")
        with pytest.raises(BadInput, match="不是本县"):
            link.transfer_in(y.store, intro)
        # a package claiming to be Y but signed by Z's key
        from xueji_desktop.exchange import keystore
        from xueji_desktop.exchange.container import seal

        forged = seal(kind="transfer", sender={"code": y.code, "name": y.name, "encryption_public": ""},
                      signing_private=keystore.require_private(z.store.conn, keystore.OWN_SIGNING),
                      recipient={"code": x.code}, recipient_x25519=None, sequence=99, created_at="2026-12-01",
                      body=b'{"introduction": true}')
        (tmp_path / "forged.xjpkg").write_bytes(forged)
        with pytest.raises(BadInput, match="不是由本县登记的该县密钥"):
            link.transfer_in(x.store, tmp_path / "forged.xjpkg")
    finally:
        z.store.close()

from __future__ import annotations

from stdnum.cn import ric

from xueji_desktop.demo import generate_records


def test_generated_ids_are_valid_and_match_birth_and_gender():
    for _cls, record in generate_records(500, seed=3):
        assert ric.is_valid(record["id_number"])
        assert ric.get_birth_date(record["id_number"]).isoformat() == record["birth_date"]
        assert int(record["id_number"][16]) % 2 == (1 if record["gender"] == "1" else 0)
        for member in record["members"]:
            assert ric.is_valid(member["id_number"])


def test_same_seed_same_school():
    a = [r["id_number"] for _, r in generate_records(20, seed=9)]
    b = [r["id_number"] for _, r in generate_records(20, seed=9)]
    assert a == b and len(set(a)) == 20


def test_demo_store_contents(demo_store):
    q = demo_store.query
    assert q("SELECT count(*) FROM classes")[0][0] == 12
    assert q("SELECT count(*) FROM students")[0][0] == 360
    assert q("SELECT count(*) FROM photos")[0][0] == 360
    assert q("SELECT min(n) FROM (SELECT count(*) n FROM family_members GROUP BY student_id)")[0][0] >= 2
    assert {u.username for u in demo_store.list_users()} == {"admin", "leader"}

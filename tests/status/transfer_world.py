"""A small world for transfer tests: counties and schools as real stores exchanging real packages."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from pathlib import Path

from tests.conftest import PASSWORD
from xueji_desktop import school as school_mod
from xueji_desktop.county import intake, review, schools, workspace
from xueji_desktop.county import transfers as county_transfers
from xueji_desktop.demo import demo_classes, demo_photo_bytes, make_student, store_photo
from xueji_desktop.exchange import school_side
from xueji_desktop.records.students import add_student
from xueji_desktop.storage import Store

IN_SCHOOL = ("enrolled", "suspended")


@dataclass
class School:
    code: str
    name: str
    store: Store
    county: County
    fingerprint: str
    classes: dict[str, int] = field(default_factory=dict)  # class code → id

    def send_up(self, tmp: Path) -> intake.ImportResult:
        pkg = school_side.export_package(self.store, tmp / "up", include_pending=True)
        first = not self.county.store.query("SELECT signing_public FROM county_schools WHERE code = ?",
                                            (self.code,))[0][0]
        return intake.import_package(self.county.store, pkg,
                                         confirm_fingerprint=self.fingerprint if first else None)

    def get_feedback(self, tmp: Path) -> dict:
        fb = review.make_feedback(self.county.store, self.code, tmp / "down")
        return school_side.import_feedback(self.store, fb)

    def enrolled(self, id_number: str) -> int:
        return self.store.query("SELECT count(*) FROM students WHERE id_number = ? AND enrolment IN (?, ?)",
                                (id_number, *IN_SCHOOL))[0][0]


@dataclass
class County:
    code: str
    name: str
    store: Store
    schools: dict[str, School] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        from xueji_desktop.exchange import keystore

        return keystore.own_fingerprint(self.store.conn)

    def enrolled(self, id_number: str) -> int:
        return self.store.query("SELECT count(*) FROM county_students WHERE id_number = ? AND enrolment IN (?, ?)",
                                (id_number, *IN_SCHOOL))[0][0]

    def transfer(self, key: str) -> dict:
        return next(t for t in county_transfers.list_transfers(self.store) if t["key"] == key)


def new_county(tmp: Path, code: str, name: str) -> County:
    store, _recovery, _fp = workspace.create_county_store(
        tmp / f"county{code}.xjdb", username="admin", password=PASSWORD,
        county={"code": code, "name": name, "city_code": code[:4], "city_name": "太原市"})
    store.add_user("leader", PASSWORD, "leader")
    return County(code, name, store)


def new_school(tmp: Path, county: County, code: str, name: str, students: int = 3, seed: int = 1) -> School:
    schools.add_school(county.store, code, name, county.code + "001000")
    [init] = schools.make_init_packages(county.store, [code], tmp / f"init{code}")
    info = school_side.read_init_package(init)
    store, _recovery = Store.create(tmp / f"{code}.xjdb", username="admin", password=PASSWORD,
                                    roles="clerk,leader,sysadmin", school=info.school)
    fp = school_side.apply_init(store, info)
    s = School(code, name, store, county, fp)
    rng = random.Random(seed)
    classes = demo_classes(classes_per_grade=1)[:2]
    with store.transaction() as tx:
        for c in classes:
            s.classes[c.code] = school_mod.add_class(tx, c.entry_year, c.stage, c.number).id
        for i in range(students):
            c = classes[i % len(classes)]
            record = make_student(rng, c)
            sid = add_student(tx, record, s.classes[c.code])
            store_photo(tx, sid, demo_photo_bytes(record))
    county.schools[code] = s
    return s


def close_all(*counties: County) -> None:
    for c in counties:
        for s in c.schools.values():
            s.store.close()
        c.store.close()

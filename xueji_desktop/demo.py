"""Demo data: a realistic synthetic school, used by ``xueji demo``, the first-run dialog, tests and
benchmarks. Everything is generated from a seed, so the same seed gives the same school.

Generated people do not exist, but their ID numbers are well formed (real county codes of the
region, real dates, correct check digits), so the validation engine treats them like real data.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from stdnum.cn import ric

from .progress import Progress, tick
from .school import class_code, school_year_of

DEMO_SCHOOL = {
    "code": "2114010068",
    "name": "双塔西街小学",
    "region_code": "140106001000",
    "address": "山西省太原市迎泽区双塔西街 168 号",
    "name_en": "Shuangta West Street Primary School",
    "run_by": "公办",
    "category": "小学",
    "schooling": "六年制",
    "phone": "0351-4041234",
}
DEMO_COUNTY = {"code": "140106", "name": "迎泽区", "city_code": "1401", "city_name": "太原市"}

# Taiyuan counties valid since 1997 (GB/T 2260 as shipped by python-stdnum): births from 2005 on fit them.
AREAS = ["140105", "140106", "140107", "140108", "140109", "140110", "140121", "140122", "140181"]
STREETS = ["双塔西街", "迎泽大街", "柳巷南路", "解放路", "并州北路", "长风街", "南内环街", "千峰南路",
           "学府街", "平阳路", "五一路", "桃园北路", "坞城路", "晋祠路"]
# Parents were born before most city districts got their current codes: use counties unchanged since 1983.
PARENT_AREAS = ["140121", "140122", "140123"]
DISTRICT_NAMES = {"140105": "小店区", "140106": "迎泽区", "140107": "杏花岭区", "140108": "尖草坪区",
                  "140109": "万柏林区", "140110": "晋源区", "140121": "清徐县", "140122": "阳曲县",
                  "140181": "古交市", "140123": "娄烦县"}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN_M = "伟强磊军洋勇杰涛明超辉鹏浩宇轩博文哲睿晨航嘉俊豪子梓浩然泽阳"
GIVEN_F = "芳娜敏静丽艳娟霞婷雪琳欣怡萱涵彤悦诗雨梦佳琪瑶蕾晴可馨"
EMPLOYERS = ["太原市第一人民医院", "山西省电力公司", "迎泽区人民政府", "个体经营", "太原钢铁集团",
             "中国银行太原分行", "太原理工大学", "自由职业", "山西汾酒集团", "太原市公交公司"]


@dataclass(frozen=True)
class DemoClass:
    entry_year: int
    stage: int
    number: int

    @property
    def code(self) -> str:
        return class_code(self.entry_year, self.stage, self.number)


def demo_classes(today: date | None = None, classes_per_grade: int = 2, stage: int = 1) -> list[DemoClass]:
    """Classes of every grade of a stage in the current school year (primary: 6 grades)."""
    year = school_year_of(today or date.today())
    grades = 6 if stage == 1 else 3
    return [DemoClass(year - g, stage, n) for g in range(grades) for n in range(1, classes_per_grade + 1)]


def make_id_number(rng: random.Random, birth: date, male: bool, area: str | None = None) -> str:
    area = area or rng.choice(AREAS)
    seq = rng.randrange(0, 500) * 2 + (1 if male else 0)  # odd = male (GB 11643)
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def _name(rng: random.Random, male: bool, surname: str | None = None) -> str:
    given = GIVEN_M if male else GIVEN_F
    return (surname or rng.choice(SURNAMES)) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2, 2))))


def _address(rng: random.Random, area: str) -> str:
    return (f"山西省太原市{DISTRICT_NAMES[area]}{rng.choice(STREETS)}{rng.randint(1, 300)}号"
            f"{rng.randint(1, 6)}单元{rng.randint(1, 18)}{rng.randint(1, 4):02d}室")


def _phone(rng: random.Random) -> str:
    return rng.choice(["13", "15", "18", "17", "19"]) + str(rng.randint(0, 9)) + f"{rng.randint(0, 99999999):08d}"


def _birth_for(rng: random.Random, entry_year: int, stage: int) -> date:
    # Primary school starts at 6 (born Sep 1 of entry_year-7 .. Aug 31 of entry_year-6); 初中 at 12, 高中 at 15.
    start_age = {1: 6, 2: 12, 3: 15}[stage]
    first = date(entry_year - start_age - 1, 9, 1)
    return first + timedelta(days=rng.randrange(365))


def make_student(rng: random.Random, cls: DemoClass, *, with_errors: bool = False) -> dict[str, Any]:
    """One complete, valid 2022 record (codes, not names) for a student of ``cls``."""
    male = rng.random() < 0.52
    birth = _birth_for(rng, cls.entry_year, cls.stage)
    area = rng.choice(AREAS)
    surname = rng.choice(SURNAMES)
    name = _name(rng, male, surname)
    home = _address(rng, area)
    father_birth = birth - timedelta(days=rng.randint(24, 40) * 365 + rng.randrange(365))
    mother_birth = birth - timedelta(days=rng.randint(22, 38) * 365 + rng.randrange(365))
    left_behind = rng.choices(["0", "1", "2"], weights=[90, 7, 3])[0]
    disabled = rng.random() < 0.02
    record: dict[str, Any] = {
        "name": name,
        "gender": "1" if male else "2",
        "nationality": "CHN",
        "hmt": "00",
        "ethnicity": rng.choices(["01", "03", "11", "02"], weights=[94, 3, 2, 1])[0],
        "id_type": "1",
        "id_number": make_id_number(rng, birth, male, area),
        "birth_date": birth.isoformat(),
        "current_address": home,
        "household_address": home if rng.random() < 0.7 else _address(rng, rng.choice(AREAS)),
        "political_status": "13" if cls.stage == 1 else rng.choice(["13", "03"]),
        "is_boarder": "0",
        "is_disabled": "1" if disabled else "0",
        "left_behind": left_behind,
        "health": "10",
        "household_type": rng.choice(["1", "2", "2"]),
        "enrol_date": f"{cls.entry_year}09",
        "enrol_mode": "11" if cls.stage < 3 else "21",
        "study_mode": "1",
        "only_child": rng.choice(["0", "1"]),
        "preschool": "1",
        "migrant_child": "0",
        "birthplace": area + "000000",
        "household_region": area + "000000",
        "postcode": "030001",
        "phone": _phone(rng),
        "members": [
            {"name": _name(rng, True, surname), "relation": "1", "is_guardian": "1", "ethnicity": "01",
             "id_type": "1", "id_number": make_id_number(rng, father_birth, True, rng.choice(PARENT_AREAS)),
             "employer": rng.choice(EMPLOYERS), "household_address": home, "phone": _phone(rng)},
            {"name": _name(rng, False), "relation": "2", "is_guardian": "1", "ethnicity": "01",
             "id_type": "1", "id_number": make_id_number(rng, mother_birth, False, rng.choice(PARENT_AREAS)),
             "employer": rng.choice(EMPLOYERS), "household_address": home, "phone": _phone(rng)},
        ],
    }
    if disabled:
        record["disability_type"] = rng.choice(["1", "2", "4", "5"])
        record["special_ed_mode"] = {"1": "1", "2": "2", "5": "3"}.get(record["disability_type"], "4")
    if with_errors:
        _spoil(rng, record)
    return record


def _spoil(rng: random.Random, record: dict[str, Any]) -> None:
    """Introduce one realistic mistake, of the kinds clerks see in paper forms."""
    kind = rng.choice(["checksum", "missing_address", "member_phone", "birth_mismatch"])
    if kind == "checksum":
        n = record["id_number"]
        record["id_number"] = n[:-1] + ("0" if n[-1] != "0" else "1")
    elif kind == "missing_address":
        record["household_address"] = ""
    elif kind == "member_phone":
        record["members"][0]["phone"] = record["members"][0]["phone"][:7]
    else:
        y, m, d = record["birth_date"].split("-")
        record["birth_date"] = f"{y}-{m}-{int(d) % 28 + 1:02d}" if int(d) != 1 else f"{y}-{m}-15"


def generate_records(count: int, seed: int = 1, classes: list[DemoClass] | None = None,
                     error_rate: float = 0.0) -> Iterator[tuple[DemoClass, dict[str, Any]]]:
    """``count`` records spread evenly over ``classes`` (default: a 12-class primary school)."""
    rng = random.Random(seed)
    classes = classes or demo_classes()
    for i in range(count):
        cls = classes[i % len(classes)]
        yield cls, make_student(rng, cls, with_errors=rng.random() < error_rate)


def create_demo_store(path: Path | str, *, username: str = "admin", password: str = "demo123",
                      students_per_class: int = 30, classes_per_grade: int = 2, seed: int = 2022,
                      error_rate: float = 0.03, photos: bool = True, progress: Progress | None = None):
    """A complete demo school: classes of all six grades, students, family members, photos, a leader account.

    Returns (store, recovery_key). The whole school is written in one transaction.
    """
    from . import school as school_mod
    from .records.students import add_student
    from .storage import Store

    store, recovery = Store.create(path, username=username, password=password, display_name="学籍管理员（演示）",
                                   school=DEMO_SCHOOL)
    classes = demo_classes(classes_per_grade=classes_per_grade)
    rng = random.Random(seed)
    total = len(classes) * students_per_class
    with store.transaction() as tx:
        class_ids = {}
        for c in classes:
            info = school_mod.add_class(tx, c.entry_year, c.stage, c.number,
                                        head_teacher=_name(rng, rng.random() < 0.3))
            class_ids[c.code] = info.id
        done = 0
        for c in classes:
            for _ in range(students_per_class):
                record = make_student(rng, c, with_errors=rng.random() < error_rate)
                sid = add_student(tx, record, class_ids[c.code])
                if photos:
                    store_photo(tx, sid, demo_photo_bytes(record))
                done += 1
                tick(progress, done, total, "生成演示学生")
    store.add_user("leader", password, "leader", display_name="主管领导（演示）")
    return store, recovery


def demo_photo_bytes(record: dict[str, Any]) -> bytes:
    from .photos.synth import demo_photo_jpeg

    seed = int(hashlib.sha256(record["id_number"].encode()).hexdigest()[:8], 16)
    return demo_photo_jpeg(seed)


def store_photo(tx, student_id: int, jpeg: bytes) -> None:
    """Minimal photo write used by the demo; the photos package adds checking and fixing."""
    from .storage.store import now_iso

    tx.execute("INSERT OR REPLACE INTO photos (student_id, jpeg, sha256, updated_at) VALUES (?, ?, ?, ?)",
               (student_id, jpeg, hashlib.sha256(jpeg).hexdigest(), now_iso()))
    tx.audit("导入照片", "photos", student_id, {"sha256": [None, hashlib.sha256(jpeg).hexdigest()]})

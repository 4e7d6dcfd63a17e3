"""No sensitive value appears in clear text in the database, its WAL/journal, or a backup."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import PASSWORD
from xueji_desktop.demo import demo_classes, generate_records
from xueji_desktop.records.students import add_student
from xueji_desktop.school import add_class
from xueji_desktop.storage import Store

SECRET_NAME = "欧阳明文测"
SECRET_ID = "140106201503070014"


def _files(db: Path) -> list[Path]:
    return [p for p in db.parent.iterdir() if p.name.startswith(db.name) and p.is_file()]


def _assert_clean(paths: list[Path]) -> None:
    assert paths
    for p in paths:
        raw = p.read_bytes()
        for needle in (SECRET_NAME.encode("utf-8"), SECRET_ID.encode("ascii"),
                       SECRET_NAME.encode("utf-16-le"), SECRET_NAME.encode("gb18030")):
            assert needle not in raw, f"{needle!r} found in clear text in {p.name}"


def test_known_student_not_in_raw_bytes(tmp_path):
    store, _ = Store.create(tmp_path / "s.xjdb", username="admin", password=PASSWORD)
    cls = demo_classes()[0]
    with store.transaction() as tx:
        info = add_class(tx, cls.entry_year, cls.stage, cls.number)
        _, record = next(generate_records(1, classes=[cls]))
        record.update(name=SECRET_NAME, id_number=SECRET_ID)
        add_student(tx, record, info.id)
    # While open, the WAL holds the newest pages: they must be encrypted too.
    assert Path(str(store.path) + "-wal").exists()
    _assert_clean(_files(store.path))
    backup = store.backup(tmp_path / "backups" / "b.xjdb")
    store.close()
    _assert_clean(_files(store.path))
    _assert_clean(_files(backup))
    # and the values really are in there
    reopened = Store.open(backup, "admin", PASSWORD)
    assert reopened.query("SELECT name, id_number FROM students") == [(SECRET_NAME, SECRET_ID)]
    reopened.close()

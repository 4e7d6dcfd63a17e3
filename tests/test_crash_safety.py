"""A writer process killed with SIGKILL at random moments never leaves a half-written batch."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time

import pytest

from tests.conftest import PASSWORD
from xueji_desktop.storage import Store
from xueji_desktop.storage.connection import integrity_ok

BATCH = 150
KILLS = 20

WRITER = textwrap.dedent(
    """
    import sys
    from xueji_desktop.demo import demo_classes, generate_records
    from xueji_desktop.storage import Store
    from xueji_desktop.records.students import add_student

    path, password, start = sys.argv[1], sys.argv[2], int(sys.argv[3])
    store = Store.open(path, "admin", password)
    class_id = store.query("SELECT id FROM classes LIMIT 1")[0][0]
    cls = demo_classes()[0]
    batch = start
    print("ready", flush=True)
    while True:
        records = [r for _, r in generate_records(BATCH_SIZE, seed=batch, classes=[cls])]
        with store.transaction() as tx:
            for record in records:
                record["aux_student_no"] = f"B{batch}"
                add_student(tx, record, class_id)
        batch += 1
    """
).replace("BATCH_SIZE", str(BATCH))


@pytest.mark.slow
def test_sigkill_during_batches_leaves_whole_batches(empty_store, tmp_path):
    from xueji_desktop.school import add_class

    with empty_store.transaction() as tx:
        add_class(tx, 2024, 1, 1)
    path = empty_store.path
    empty_store.close()
    script = tmp_path / "writer.py"
    script.write_text(WRITER, "utf-8")
    rng = random.Random(7)
    start = 0
    for _ in range(KILLS):
        proc = subprocess.Popen([sys.executable, str(script), str(path), PASSWORD, str(start)],
                                stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": os.getcwd()})
        assert proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.05, 0.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        start += 1000  # distinct batch numbers per run

    store = Store.open(path, "admin", PASSWORD)
    try:
        ok, detail = integrity_ok(store.conn)
        assert ok, detail
        rows = store.query(
            "SELECT json_extract(data, '$.aux_student_no') AS b, count(*) FROM students GROUP BY b")
        assert rows, "the writer never committed a batch; the test proves nothing"
        assert all(n == BATCH for _, n in rows), rows
        # the audit chain survived the kills as well
        from xueji_desktop.storage import audit

        assert audit.verify(store.conn).ok
        # every family member belongs to a surviving student
        assert store.query("SELECT count(*) FROM family_members WHERE student_id NOT IN"
                           " (SELECT id FROM students)")[0][0] == 0
    finally:
        store.close()

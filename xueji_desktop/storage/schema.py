"""Schema, versioned with ``PRAGMA user_version``; forward migrations only.

Each migration is a named step run in its own transaction together with the
version bump, so a crash mid-migration leaves the file at the previous version.
Never edit a released step: add a new one.

Students keep the handful of columns we filter, sort and de-duplicate on as real
indexed columns; every other field of the 2022 form lives in the ``data`` JSON,
keyed by the field keys of ``resources/spec/fields.toml``. Adding a field to
the form therefore needs no migration.
"""

from __future__ import annotations

from collections.abc import Callable

V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

CREATE TABLE users (
    username     TEXT PRIMARY KEY,
    display_name TEXT NOT NULL DEFAULT '',
    roles        TEXT NOT NULL,              -- comma list: clerk, leader, sysadmin
    active       INTEGER NOT NULL DEFAULT 1,
    created_at   TEXT NOT NULL
);

CREATE TABLE school (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    code        TEXT NOT NULL CHECK (length(code) = 10),      -- 学校标识码
    name        TEXT NOT NULL,
    region_code TEXT NOT NULL CHECK (length(region_code) = 12), -- 统计用区划代码
    address     TEXT NOT NULL DEFAULT '',
    data        TEXT NOT NULL DEFAULT '{}'                     -- 英文名称, 办别, 学校类别, 学制, 电话…
);

CREATE TABLE campuses (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    address     TEXT NOT NULL DEFAULT '',
    region_code TEXT NOT NULL DEFAULT '',
    is_main     INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE classes (
    id           INTEGER PRIMARY KEY,
    class_code   TEXT NOT NULL UNIQUE,        -- 班号: entry year + stage + 2-digit number
    name         TEXT NOT NULL,               -- 班级名称: 小学2009级(1)班
    stage        INTEGER NOT NULL CHECK (stage IN (1, 2, 3)),
    entry_year   INTEGER NOT NULL,
    number       INTEGER NOT NULL CHECK (number BETWEEN 1 AND 99),
    head_teacher TEXT NOT NULL DEFAULT '',
    campus_id    INTEGER REFERENCES campuses(id),
    data         TEXT NOT NULL DEFAULT '{}'   -- 建班年月, 学制, 班级类型, 双语, 荣誉称号
);

CREATE TABLE students (
    id            INTEGER PRIMARY KEY,
    uid           TEXT NOT NULL UNIQUE,       -- stable across packages and re-imports
    class_id      INTEGER REFERENCES classes(id),
    name          TEXT NOT NULL DEFAULT '',
    gender        TEXT NOT NULL DEFAULT '',
    birth_date    TEXT NOT NULL DEFAULT '',
    id_type       TEXT NOT NULL DEFAULT '',
    id_number     TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL DEFAULT 'pending',   -- ok | warning | pending (待修正)
    error_count   INTEGER NOT NULL DEFAULT 0,
    warning_count INTEGER NOT NULL DEFAULT 0,
    data          TEXT NOT NULL DEFAULT '{}',
    issues        TEXT NOT NULL DEFAULT '[]',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE INDEX students_class ON students(class_id, name);
CREATE INDEX students_name ON students(name);
CREATE INDEX students_id_number ON students(id_number);
CREATE INDEX students_status ON students(status);
CREATE INDEX students_dedup ON students(name, gender, birth_date);

CREATE TABLE family_members (
    id         INTEGER PRIMARY KEY,
    student_id INTEGER NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    name       TEXT NOT NULL DEFAULT '',
    relation   TEXT NOT NULL DEFAULT '',
    id_number  TEXT NOT NULL DEFAULT '',
    data       TEXT NOT NULL DEFAULT '{}',
    UNIQUE (student_id, seq)
);

CREATE TABLE photos (
    student_id INTEGER PRIMARY KEY REFERENCES students(id) ON DELETE CASCADE,
    jpeg       BLOB NOT NULL,
    sha256     TEXT NOT NULL,
    checked_ok INTEGER,
    problems   TEXT NOT NULL DEFAULT '[]',
    updated_at TEXT NOT NULL
);

CREATE TABLE change_records (
    id             INTEGER PRIMARY KEY,
    student_id     INTEGER NOT NULL REFERENCES students(id),
    kind           TEXT NOT NULL,
    status         TEXT NOT NULL,
    effective_date TEXT NOT NULL DEFAULT '',
    reason         TEXT NOT NULL DEFAULT '',
    applied_by     TEXT NOT NULL,
    applied_at     TEXT NOT NULL,
    decided_by     TEXT,
    decided_at     TEXT,
    data           TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX change_records_student ON change_records(student_id);

CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    ts         TEXT NOT NULL,
    username   TEXT NOT NULL,
    action     TEXT NOT NULL,
    table_name TEXT NOT NULL DEFAULT '',
    record_id  TEXT NOT NULL DEFAULT '',
    changes    TEXT NOT NULL DEFAULT '{}',   -- {field: [old, new]}
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
"""

# v2: warnings confirmed by a user are recorded (validation severity "warning" needs a recorded
# confirmation), and change records get evidence files (scans, stored encrypted in the file).
V2 = """
CREATE TABLE warning_confirmations (
    student_id   INTEGER NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    code         TEXT NOT NULL,
    field        TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmed_at TEXT NOT NULL,
    PRIMARY KEY (student_id, code, field)
);

CREATE TABLE evidence_files (
    id         INTEGER PRIMARY KEY,
    change_id  INTEGER NOT NULL REFERENCES change_records(id) ON DELETE CASCADE,
    filename   TEXT NOT NULL,
    mime       TEXT NOT NULL DEFAULT 'application/octet-stream',
    content    BLOB NOT NULL,
    sha256     TEXT NOT NULL,
    added_at   TEXT NOT NULL
);
"""

# v3: enrolment state (在校/休学/出国/离校/毕业) kept as a column so lists and rules can filter on it;
# county_accepted marks records the county has accepted (their key fields then change only by request).
V3 = """
ALTER TABLE students ADD COLUMN enrolment TEXT NOT NULL DEFAULT 'enrolled';
ALTER TABLE students ADD COLUMN county_accepted INTEGER NOT NULL DEFAULT 0;
CREATE INDEX students_enrolment ON students(enrolment);
CREATE INDEX change_records_status ON change_records(status);
INSERT OR IGNORE INTO meta (key, value) SELECT 'school_year',
    CAST(strftime('%Y', 'now', 'localtime') AS INTEGER) - (strftime('%m', 'now', 'localtime') < '08');
"""

# v4: submission packages (exchange/). Both sides: the unit's own key pairs and its peers' public keys.
# School side: county findings received in feedback packages. County side: the registry of schools with
# their registered signing keys and last sequence numbers, review states, and the imported school data.
V4 = """
CREATE TABLE exchange_keys (
    name       TEXT PRIMARY KEY,             -- own_signing, own_encryption, county_signing, county_encryption
    kind       TEXT NOT NULL,                -- ed25519 | x25519
    private    BLOB,                         -- NULL for a peer's public key
    public     BLOB NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE feedback_findings (
    id          INTEGER PRIMARY KEY,
    sequence    INTEGER NOT NULL,            -- of the feedback package
    student_uid TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,               -- id_invalid | duplicate_id | duplicate_identity | review
    message     TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX feedback_findings_uid ON feedback_findings(student_uid);

CREATE TABLE county_schools (
    code              TEXT PRIMARY KEY CHECK (length(code) = 10),
    name              TEXT NOT NULL,
    region_code       TEXT NOT NULL,
    signing_public    BLOB,                  -- registered on first import, after the fingerprint is confirmed
    encryption_public BLOB,                  -- the school's X25519 key, for feedback packages
    key_registered_at TEXT,
    last_sequence     INTEGER NOT NULL DEFAULT 0,
    last_created_at   TEXT NOT NULL DEFAULT '',
    imported_at       TEXT NOT NULL DEFAULT '',
    profile           TEXT NOT NULL DEFAULT '{}',
    counts            TEXT NOT NULL DEFAULT '{}',
    review_state      TEXT NOT NULL DEFAULT '',   -- '' | passed | returned
    review_reason     TEXT NOT NULL DEFAULT '',
    reviewed_by       TEXT NOT NULL DEFAULT '',
    reviewed_at       TEXT NOT NULL DEFAULT '',
    feedback_sequence INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE county_classes (
    school_code TEXT NOT NULL REFERENCES county_schools(code),
    class_code  TEXT NOT NULL,
    name        TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (school_code, class_code)
);

CREATE TABLE county_students (
    id          INTEGER PRIMARY KEY,
    school_code TEXT NOT NULL REFERENCES county_schools(code),
    uid         TEXT NOT NULL,
    class_code  TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL DEFAULT '',
    gender      TEXT NOT NULL DEFAULT '',
    birth_date  TEXT NOT NULL DEFAULT '',
    id_type     TEXT NOT NULL DEFAULT '',
    id_number   TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT '',
    pending     INTEGER NOT NULL DEFAULT 0,    -- sent with --include-pending while errors remained
    id_problem  TEXT NOT NULL DEFAULT '',      -- why the ID number is invalid ('' = fine)
    data        TEXT NOT NULL,                 -- the student line as sent: {uid, class_code, status, pending,
                                               --   issues, record (fields + members)}
    UNIQUE (school_code, uid)
);
CREATE INDEX county_students_id_number ON county_students(id_number);
CREATE INDEX county_students_identity ON county_students(name, gender, birth_date);

CREATE TABLE county_photos (
    student_id INTEGER PRIMARY KEY REFERENCES county_students(id) ON DELETE CASCADE,
    jpeg       BLOB NOT NULL
);
"""

# v5: change records that need the county's approval, as received from schools, with their evidence and the
# county's decision (sent back in the next feedback package).
V5 = """
CREATE TABLE county_changes (
    school_code     TEXT NOT NULL REFERENCES county_schools(code),
    change_id       INTEGER NOT NULL,            -- the school's own change-record id
    student_uid     TEXT NOT NULL,
    kind            TEXT NOT NULL,
    school_status   TEXT NOT NULL,               -- status at the school when the package was made
    effective_date  TEXT NOT NULL DEFAULT '',
    reason          TEXT NOT NULL DEFAULT '',
    data            TEXT NOT NULL DEFAULT '{}',
    evidence        TEXT NOT NULL DEFAULT '[]',  -- [{filename, sha256, content (base64)}]
    decision        TEXT NOT NULL DEFAULT '',    -- '' | approved | rejected
    decision_reason TEXT NOT NULL DEFAULT '',
    decided_by      TEXT NOT NULL DEFAULT '',
    decided_at      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (school_code, change_id)
);
"""

# v6: one covering index with every key the student list filters on, in list order, so the GUI reads the
# keys of 200,000 students in one index scan (no table rows: those carry the JSON and are slow to decrypt).
# It starts with (class_id, name), so it replaces students_class.
V6 = """
CREATE INDEX students_list ON students(class_id, name, status, id_number);
DROP INDEX students_class;
"""
# v7: students_dedup (name, gender, birth_date) serves every lookup by name, so students_name only cost
# time on each insert (a big import keeps every index's pages hot, and SQLCipher encrypts each it writes).
V7 = """
DROP INDEX students_name;
"""

# v8: 学籍号 (seed 001 §5.3). Schools: each record's number (临时 L…, replaced by the county's 正式 G…/J…),
# unique in the store; records already there get a temporary one. County: the number each school sent, and
# the formal numbers the county has given (kept apart from county_students, which each import replaces).
V8 = """
ALTER TABLE students ADD COLUMN student_number TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX students_number ON students(student_number) WHERE student_number != '';
ALTER TABLE county_students ADD COLUMN student_number TEXT NOT NULL DEFAULT '';
CREATE INDEX county_students_number ON county_students(student_number) WHERE student_number != '';
CREATE TABLE county_student_numbers (
    uid         TEXT PRIMARY KEY,
    number      TEXT NOT NULL UNIQUE,
    school_code TEXT NOT NULL,
    assigned_at TEXT NOT NULL
);
"""


def _v8(conn) -> None:
    for statement in _split_sql(V8):
        conn.execute(statement)
    from ..records.student_number import backfill_temporary

    backfill_temporary(conn)

# v9: transfers (转学: records/transfers.py, county/transfers.py, county/transfer_packages.py).
# School side: the requests this school made as the receiving school, with their evidence and the state at each
# of the four parties as last heard. County side: every transfer touching the county (as receiving or sending
# county, or both), the counties it exchanges transfer packages with (keys confirmed once by fingerprint), and
# each merged student's 学籍状态.
V9 = """
CREATE TABLE transfers (
    id               INTEGER PRIMARY KEY,
    key              TEXT NOT NULL UNIQUE,        -- <receiving school code>-<id>: names it at every party
    id_number        TEXT NOT NULL,
    name             TEXT NOT NULL,
    from_school      TEXT NOT NULL,               -- 转出学校标识码
    from_school_name TEXT NOT NULL DEFAULT '',
    class_id         INTEGER REFERENCES classes(id),
    effective_date   TEXT NOT NULL,
    reason           TEXT NOT NULL DEFAULT '',
    cross_province   INTEGER NOT NULL DEFAULT 0,  -- done in the national system (exported as a sheet)
    state            TEXT NOT NULL,               -- applied | sent | arrived | rejected | refused | withdrawn
    state_reason     TEXT NOT NULL DEFAULT '',    -- why refused/rejected, by whom
    parties          TEXT NOT NULL DEFAULT '{}',  -- {rs, rc, ss, sc: {state, reason, at}} as the county reported
    student_id       INTEGER REFERENCES students(id),
    applied_by       TEXT NOT NULL,
    applied_at       TEXT NOT NULL,
    decided_by       TEXT NOT NULL DEFAULT '',
    decided_at       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX transfers_id_number ON transfers(id_number);

CREATE TABLE transfer_files (
    id          INTEGER PRIMARY KEY,
    transfer_id INTEGER NOT NULL REFERENCES transfers(id) ON DELETE CASCADE,
    filename    TEXT NOT NULL,
    content     BLOB NOT NULL,
    sha256      TEXT NOT NULL
);

ALTER TABLE county_students ADD COLUMN enrolment TEXT NOT NULL DEFAULT 'enrolled';

CREATE TABLE county_transfers (
    key              TEXT PRIMARY KEY,
    id_number        TEXT NOT NULL,
    name             TEXT NOT NULL,
    to_school        TEXT NOT NULL,
    to_school_name   TEXT NOT NULL DEFAULT '',
    to_county        TEXT NOT NULL,
    from_school      TEXT NOT NULL,
    from_school_name TEXT NOT NULL DEFAULT '',
    from_county      TEXT NOT NULL DEFAULT '',    -- '' until the receiving county names it (cross-county)
    request          TEXT NOT NULL DEFAULT '{}',  -- effective_date, class_code, reason, evidence, approvals
    parties          TEXT NOT NULL DEFAULT '{}',  -- {rs, rc, ss, sc: {state, reason, at}}
    state            TEXT NOT NULL,               -- open | refused | withdrawn | completed
    ss_change_id     INTEGER,                     -- the sending school's 转出 change record
    record           TEXT NOT NULL DEFAULT '',    -- the student line as the sending school last sent it
    photo            BLOB,
    history          TEXT NOT NULL DEFAULT '[]',  -- the sending school's change records of the student
    unsent           INTEGER NOT NULL DEFAULT 0,  -- changed since the last package to the other county
    updated_at       TEXT NOT NULL
);
CREATE INDEX county_transfers_id_number ON county_transfers(id_number);

CREATE TABLE county_peers (
    code              TEXT PRIMARY KEY,          -- the other county's 6-digit code
    name              TEXT NOT NULL DEFAULT '',
    signing_public    BLOB,                      -- registered on first import, after the fingerprint is confirmed
    encryption_public BLOB,
    key_registered_at TEXT,
    in_sequence       INTEGER NOT NULL DEFAULT 0,  -- last package imported from it
    out_sequence      INTEGER NOT NULL DEFAULT 0,  -- last package written to it
    sent_encrypted    INTEGER NOT NULL DEFAULT 0   -- it has had our keys and a package encrypted to it
);
"""

# v10: the county's own work (county/): one covering index with the county list's keys in list order (school,
# class, name; 学籍状态 is v9's county_students.enrolment); schools the list from above lacks (标识码 0000000000
# until known, seed 001), told apart by name; 营养改善计划 per school and the county's 县级责任体系; the counties
# a city store has registered.
V10 = """
CREATE INDEX county_students_list ON county_students(school_code, class_code, name, enrolment, id_number);
ALTER TABLE county_schools ADD COLUMN nutrition INTEGER NOT NULL DEFAULT 0;
CREATE TABLE county_placeholder_schools (
    name        TEXT PRIMARY KEY,
    region_code TEXT NOT NULL,
    nutrition   INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE county_nutrition_contacts (
    id     INTEGER PRIMARY KEY,
    role   TEXT NOT NULL,                -- 职责, e.g. 县级牵头单位 / 食品安全 / 资金监管
    unit   TEXT NOT NULL,
    person TEXT NOT NULL,
    phone  TEXT NOT NULL
);
CREATE TABLE city_counties (
    code              TEXT PRIMARY KEY CHECK (length(code) = 6),
    name              TEXT NOT NULL,
    signing_public    BLOB,
    key_registered_at TEXT,
    last_sequence     INTEGER NOT NULL DEFAULT 0,
    last_created_at   TEXT NOT NULL DEFAULT '',
    imported_at       TEXT NOT NULL DEFAULT ''
);
"""


# v11 (issue 25): who may see what. A class teacher's account names its classes; teachers mark records 已核对
# against the paper form (kept with the record's updated_at, so a later edit makes the mark stale) and
# propose edits that the clerk accepts; data for a using unit leaves only by an approved export request;
# the 无身份证号学生在校就读证明表 printed and sent up for each student without an ID number is tracked.
V11 = """
ALTER TABLE users ADD COLUMN classes TEXT NOT NULL DEFAULT '';
CREATE TABLE student_checks (
    student_id        INTEGER PRIMARY KEY REFERENCES students(id) ON DELETE CASCADE,
    checked_by        TEXT NOT NULL,
    checked_at        TEXT NOT NULL,
    record_updated_at TEXT NOT NULL             -- students.updated_at when checked: stale once it differs
);
CREATE TABLE edit_proposals (
    id            INTEGER PRIMARY KEY,
    student_id    INTEGER NOT NULL REFERENCES students(id) ON DELETE CASCADE,
    changes       TEXT NOT NULL,                -- {field: [old, new]}
    note          TEXT NOT NULL DEFAULT '',
    proposed_by   TEXT NOT NULL,
    proposed_at   TEXT NOT NULL,
    state         TEXT NOT NULL DEFAULT 'pending',   -- pending | accepted | rejected
    decided_by    TEXT NOT NULL DEFAULT '',
    decided_at    TEXT NOT NULL DEFAULT '',
    decision_note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX edit_proposals_state ON edit_proposals(state);
CREATE TABLE export_requests (
    id          INTEGER PRIMARY KEY,
    unit        TEXT NOT NULL,                  -- 数据使用单位
    purpose     TEXT NOT NULL,
    fields      TEXT NOT NULL,                  -- JSON list of field keys
    classes     TEXT NOT NULL DEFAULT '[]',     -- JSON list of 班号; [] = all
    statuses    TEXT NOT NULL DEFAULT '[]',     -- JSON list of enrolment states; [] = all
    valid_until TEXT NOT NULL,                  -- YYYY-MM-DD, last day the request may be used
    responsible TEXT NOT NULL,                  -- 数据安全负责人
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'pending',   -- pending | approved | revoked
    approved_by TEXT NOT NULL DEFAULT '',
    approved_at TEXT NOT NULL DEFAULT '',
    revoked_by  TEXT NOT NULL DEFAULT '',
    revoked_at  TEXT NOT NULL DEFAULT ''
);
CREATE TABLE no_id_proofs (
    student_id INTEGER PRIMARY KEY REFERENCES students(id) ON DELETE CASCADE,
    printed_at TEXT NOT NULL DEFAULT '',
    printed_by TEXT NOT NULL DEFAULT '',
    sent_at    TEXT NOT NULL DEFAULT '',
    sent_by    TEXT NOT NULL DEFAULT ''
);
"""

# v12: the county's decisions on problem records (问题学籍): who keeps a duplicated record and why; a decided
# problem is marked resolved when an import no longer finds it (county/problems.py).
V12 = """
CREATE TABLE county_problem_decisions (
    problem_id   TEXT PRIMARY KEY,               -- kind:key, e.g. duplicate_id:110101201501010011
    kind         TEXT NOT NULL,
    keep_school  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    decided_by   TEXT NOT NULL,
    decided_at   TEXT NOT NULL,
    resolved_at  TEXT NOT NULL DEFAULT '',       -- set by the import that no longer finds the problem
    data         TEXT NOT NULL DEFAULT '{}'      -- the records at decision time (school, uid, name, class)
);
"""

# v13: admissions (招生入学, seed 002 §招生升学). Both sides: each school's admissions plan per stage and year
# (the county's own, the school's copy from init/feedback packages), and plan-change requests (school → county,
# decided there). County: the admission lists it imported (one row per admitted child, with the duplicate
# check's state). School: the list received in feedback, each entry offered until accepted into a class.
V13 = """
CREATE TABLE admission_plans (
    school_code TEXT NOT NULL,
    stage       INTEGER NOT NULL CHECK (stage IN (1, 2, 3)),
    year        INTEGER NOT NULL,
    count       INTEGER NOT NULL CHECK (count >= 0),
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (school_code, stage, year)
);
CREATE TABLE plan_requests (
    school_code     TEXT NOT NULL,
    request_id      INTEGER NOT NULL,          -- the school's own numbering
    stage           INTEGER NOT NULL,
    year            INTEGER NOT NULL,
    count           INTEGER NOT NULL,
    reason          TEXT NOT NULL,
    requested_at    TEXT NOT NULL,
    decision        TEXT NOT NULL DEFAULT '',  -- '' | approved | rejected
    decision_reason TEXT NOT NULL DEFAULT '',
    decided_at      TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (school_code, request_id)
);
CREATE TABLE county_admissions (
    id          INTEGER PRIMARY KEY,
    school_code TEXT NOT NULL,
    stage       INTEGER NOT NULL,
    year        INTEGER NOT NULL,
    name        TEXT NOT NULL,
    id_number   TEXT NOT NULL DEFAULT '',
    record      TEXT NOT NULL,                 -- the admitted child's fields as listed (field keys, members)
    state       TEXT NOT NULL DEFAULT 'admitted',  -- admitted | withdrawn (a duplicate decided for another school)
    source      TEXT NOT NULL DEFAULT '',      -- file and row
    imported_at TEXT NOT NULL
);
CREATE INDEX county_admissions_id_number ON county_admissions(id_number);
CREATE INDEX county_admissions_school ON county_admissions(school_code, year, stage);
CREATE TABLE admissions (
    id          INTEGER PRIMARY KEY,
    county_id   INTEGER NOT NULL UNIQUE,       -- county_admissions.id
    stage       INTEGER NOT NULL,
    year        INTEGER NOT NULL,
    name        TEXT NOT NULL,
    id_number   TEXT NOT NULL DEFAULT '',
    record      TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'offered',   -- offered | accepted | withdrawn
    student_id  INTEGER REFERENCES students(id),
    received_at TEXT NOT NULL
);
CREATE INDEX admissions_id_number ON admissions(id_number);
"""


# v14: the city level (county/city_intake.py, county/city_feedback.py). City: each county's encryption key (for the
# city's feedback packages, which carry its decisions on problem records across counties) and feedback sequence.
# County: the findings of the city's latest feedback, passed on to the schools in the county's own feedback.
V14 = """
ALTER TABLE city_counties ADD COLUMN encryption_public BLOB;
ALTER TABLE city_counties ADD COLUMN feedback_sequence INTEGER NOT NULL DEFAULT 0;
CREATE TABLE county_upper_findings (
    school_code TEXT NOT NULL,
    uid         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    problem_id  TEXT NOT NULL DEFAULT '',
    state       TEXT NOT NULL DEFAULT '',
    message     TEXT NOT NULL,
    received_at TEXT NOT NULL
);
CREATE INDEX county_upper_findings_school ON county_upper_findings(school_code);
"""


# v15: 入学年龄例外 at the school (records/age_exceptions.py): each grade-1 child registered below the county's entry
# age, with the clerk's reason, kept beside the audit entry so the submission carries it to the county; exceptions
# made before are read back from their audit entries.
V15 = """
CREATE TABLE age_exceptions (
    student_id INTEGER PRIMARY KEY REFERENCES students(id) ON DELETE CASCADE,
    reason     TEXT NOT NULL,
    rule       TEXT NOT NULL,                 -- the refusal waived (birth date, the county's entry age)
    username   TEXT NOT NULL,
    at         TEXT NOT NULL
);
"""


def _v15(conn) -> None:
    for statement in _split_sql(V15):
        conn.execute(statement)
    from ..records.age_exceptions import backfill_from_audit

    backfill_from_audit(conn)


# v16: the city keeps each county's 营养改善计划 as its latest upward package carried it (JSON; '' = not reported),
# county/nutrition_upward.py.
V16 = """
ALTER TABLE city_counties ADD COLUMN nutrition_plan TEXT NOT NULL DEFAULT '';
"""


# v17: a city holds 2,000,000 students (a county 200,000): the problem checks, statistics and counts read small
# indexes, never the rows (whose stored student lines make a full scan read gigabytes through SQLCipher). The ID
# number's index carries 学籍状态 (duplicates count current records only); the identity index holds only the
# students without an ID number (the only ones compared by name, sex and birth date), so an import no longer
# inserts every student into it; records with errors (待修正, a wrong ID number) get partial indexes of their own;
# the counts (统计, 营养改善计划, ``xueji info``) group one small index in its order: school, class, 学籍状态,
# data status.
V17 = """
DROP INDEX county_students_id_number;
CREATE INDEX county_students_id_number ON county_students(id_number, enrolment);
DROP INDEX county_students_identity;
CREATE INDEX county_students_identity ON county_students(name, gender, birth_date) WHERE id_number = '';
CREATE INDEX county_students_errors ON county_students(school_code, class_code, enrolment)
    WHERE status = 'pending' OR id_problem <> '';
CREATE INDEX county_students_id_problem ON county_students(school_code) WHERE id_problem <> '';
CREATE INDEX county_students_counts ON county_students(school_code, class_code, enrolment, status);
"""


Migration = tuple[int, str, Callable | str]

MIGRATIONS: list[Migration] = [
    (1, "initial schema", V1),
    (2, "warning confirmations and change evidence", V2),
    (3, "enrolment state and county acceptance", V3),
    (4, "submission packages: keys, feedback findings, county registry and imported data", V4),
    (5, "county decisions on school change records", V5),
    (6, "covering index for the student list", V6),
    (7, "drop an index another one covers", V7),
    (8, "学籍号: student numbers at the school, their copies and formal numbers at the county", _v8),
    (9, "transfers between schools and counties", V9),
    (10, "county workspace: list index, placeholder schools, nutrition plan, city counties", V10),
    (11, "class teachers, 核对, edit proposals, export requests, no-ID proof forms", V11),
    (12, "county decisions on problem records", V12),
    (13, "admissions: plans, plan requests, the county's lists and the school's offers", V13),
    (14, "city level: county keys and feedback, the city's findings at the county", V14),
    (15, "入学年龄例外 kept per student for the submission", _v15),
    (16, "city level: each county's nutrition plan from its upward package", V16),
    (17, "a city's 2,000,000 students: problems, statistics and counts from indexes", V17),
]

LATEST_VERSION = MIGRATIONS[-1][0]


def current_version(conn) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn, target: int = LATEST_VERSION) -> list[int]:
    """Apply every step above the file's version up to ``target``; return the versions applied."""
    applied = []
    version = current_version(conn)
    if version > LATEST_VERSION:
        from ..errors import XuejiError

        raise XuejiError(f"数据文件由更新版本的程序创建（结构版本 {version}），请升级本程序后再打开。")
    for number, _name, step in MIGRATIONS:
        if number <= version or number > target:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if callable(step):
                step(conn)
            else:
                for statement in _split_sql(step):
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(number)
    return applied


def _split_sql(script: str) -> list[str]:
    # executescript() would COMMIT our transaction first; run statement by statement instead.
    statements, buf = [], []
    for line in script.splitlines():
        buf.append(line)
        if line.rstrip().endswith(";"):
            stmt = "\n".join(buf).strip()
            if stmt:
                statements.append(stmt)
            buf = []
    rest = "\n".join(buf).strip()
    if rest:
        statements.append(rest)
    return statements

"""Building county stores and school packages quickly for the exchange tests (no store per school)."""

from __future__ import annotations

import hashlib
import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from xueji_desktop.county.schools import add_school
from xueji_desktop.county.workspace import create_county_store
from xueji_desktop.demo import DEMO_COUNTY, demo_classes, make_student
from xueji_desktop.exchange import keys, keystore, payload
from xueji_desktop.exchange.container import seal
from xueji_desktop.school import class_name

PASSWORD = "test-pass-1"


def new_county(path: Path):
    store, _recovery, _fp = create_county_store(path, username="admin", password=PASSWORD, county=DEMO_COUNTY)
    return store


@dataclass
class FakeSchool:
    """A school's identity and keys, enough to build its submissions without a store."""

    code: str
    name: str
    signing: keys.KeyPair
    encryption: keys.KeyPair
    county_code: str = DEMO_COUNTY["code"]

    @classmethod
    def new(cls, code: str, name: str, county_code: str = DEMO_COUNTY["code"]) -> FakeSchool:
        return cls(code, name, keys.KeyPair.generate("ed25519"), keys.KeyPair.generate("x25519"), county_code)

    @property
    def region_code(self) -> str:
        return self.county_code + "001000"

    @property
    def fingerprint(self) -> str:
        return keys.fingerprint(self.signing.public)

    def profile(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "region_code": self.region_code}

    def register(self, county) -> None:
        add_school(county, self.code, self.name, self.region_code)

    def package(self, county_public: bytes, records: list[tuple[str, dict[str, Any]]], sequence: int = 1,
                body: bytes | None = None, header_extra: dict[str, Any] | None = None,
                signing_private: bytes | None = None, enrolments: list[str] | None = None,
                photos: dict[int, bytes] | None = None,
                age_exceptions: dict[int, dict[str, str]] | None = None) -> bytes:
        """records: (class_code, record). ``body`` replaces the built payload (for crafted attacks).
        ``enrolments``: each record's 学籍状态 (default 在校); ``photos``: JPEG by record index;
        ``age_exceptions``: 入学年龄例外 {reason, by, at} by record index."""
        classes = {}
        for code, _r in records:
            y, st, n = int(code[:4]), int(code[4]), int(code[5:])
            classes[code] = {"class_code": code, "name": class_name(y, st, n), "stage": st, "entry_year": y,
                             "number": n, "head_teacher": ""}
        rows = [payload.StudentRow(str(uuid.UUID(int=random.getrandbits(128))), code, "ok", [], r,
                                   photo=(photos or {}).get(i), age_exception=(age_exceptions or {}).get(i),
                                   enrolment=enrolments[i] if enrolments else "enrolled")
                for i, (code, r) in enumerate(records)]
        created = datetime.now().isoformat(timespec="seconds")
        if body is None:
            body = payload.build(school=self.profile(), county_code=self.county_code,
                                 classes=list(classes.values()), students=rows, sequence=sequence,
                                 created_at=created, include_pending=False)
        sender = {"code": self.code, "name": self.name, "region_code": self.region_code,
                  "encryption_public": keys.b64(self.encryption.public), **(header_extra or {})}
        return seal(kind="submission", sender=sender, signing_private=signing_private or self.signing.private,
                    recipient={"code": self.county_code}, recipient_x25519=county_public, sequence=sequence,
                    created_at=created, body=body)


def county_public(county) -> bytes:
    return keystore.get_public(county.conn, keystore.OWN_ENCRYPTION)


def records(n: int, seed: int = 1) -> list[tuple[str, dict[str, Any]]]:
    rng = random.Random(seed)
    classes = demo_classes()
    return [(c.code, make_student(rng, c)) for c in (classes[i % len(classes)] for i in range(n))]


def snapshot(store) -> str:
    """A digest of everything an import may change (county tables, keys, audit log)."""
    h = hashlib.sha256()
    for table in ("county_schools", "county_classes", "county_students", "county_photos", "audit_log", "meta"):
        for row in store.query(f"SELECT * FROM {table} ORDER BY 1"):
            h.update(repr(row).encode())
    return h.hexdigest()


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def inner_members(school: FakeSchool, recs: list[tuple[str, dict[str, Any]]], sequence: int = 1,
                  **build_extra: Any) -> tuple[dict[str, Any], dict[str, bytes]]:
    """A valid payload taken apart: (manifest, {member name: bytes}), to be changed and put back with
    :func:`inner_body` (the hostile school signs whatever it likes)."""
    import io
    import json
    import zipfile

    classes = {}
    for code, _r in recs:
        y, st, n = int(code[:4]), int(code[4]), int(code[5:])
        classes[code] = {"class_code": code, "name": class_name(y, st, n), "stage": st, "entry_year": y,
                         "number": n, "head_teacher": ""}
    rows = [payload.StudentRow(f"uid-{i:04d}", code, "ok", [], r) for i, (code, r) in enumerate(recs)]
    body = payload.build(school=school.profile(), county_code=DEMO_COUNTY["code"], classes=list(classes.values()),
                         students=rows, sequence=sequence, created_at="2026-09-01T08:00:00+08:00",
                         include_pending=False, **build_extra)
    z = zipfile.ZipFile(io.BytesIO(body))
    return json.loads(z.read("manifest.json")), {n: z.read(n) for n in z.namelist() if n != "manifest.json"}


def inner_body(manifest: dict[str, Any], files: dict[str, bytes]) -> bytes:
    """Re-assemble a payload with the manifest's hashes recomputed for ``files``."""
    import json

    manifest = {**manifest, "members": {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}}
    return payload.write_zip([("manifest.json", json.dumps(manifest, ensure_ascii=False).encode(), True),
                              *((n, d, not n.startswith("photos/")) for n, d in files.items())])

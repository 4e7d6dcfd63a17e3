"""Fuzzing what users and other units hand us: packages, workbooks and photos (issue 21).

Each case mutates a valid input (byte flips, truncations, oversized and deeply nested members, wrong types in
every JSON field, hostile XML in xlsx parts, hostile image headers), runs the real CLI in-process
(``xueji_desktop.cli.main``) against a real store, and checks:

- no traceback: ``main`` returns (an exception escaping it is what a user would see as a traceback);
- the exit code is 0, 1 or 2, and a refusal (1 or 2) left the store byte-for-byte as it was;
- an accepted input (the store changed) left the store passing ``PRAGMA quick_check``;
- no file left behind in the work folder (no ``.part``, ``.partial``, report, extracted member …).

Package cases made by byte flips, truncations and appended bytes must be *refused* (every byte is signed).
The others may be accepted when the mutation happens to keep the input valid (a string replaced by another
string); the counts of refused and accepted cases are reported. ``bench/fuzz.py`` runs ≥ 1,000 cases per kind;
``tests/fuzz/test_fuzz_sample.py`` runs a fixed-seed sample.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import hashlib
import io
import json
import os
import random
import shutil
import struct
import traceback
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.exchange.helpers import FakeSchool, county_public, inner_body, inner_members, new_county, records
from xueji_desktop.cli import main
from xueji_desktop.county.intake import import_package
from xueji_desktop.exchange import keys
from xueji_desktop.exchange.container import SIGNATURE_CONTEXT, _assemble, canonical
from xueji_desktop.storage import Store

PASSWORD = "test-pass-1"
KINDS = ("package", "workbook", "photo")
MUST_REFUSE = {"flip", "truncate", "append"}   # package mutations every one of which must be refused

WRONG_VALUES: list[Any] = [None, True, 0, -1, 2 ** 63, 1.5, float("1e308"), "", "x" * 3000, "../../etc/passwd",
                           [], [1, 2], {}, {"a": {"b": [None]}}, "\u202e\u0000", "2026-13-45"]


@dataclass
class Outcome:
    kind: str
    mutation: str
    exit_code: int | None
    refused: bool
    traceback: str = ""
    problems: list[str] = field(default_factory=list)


# ---- running one case ----------------------------------------------------------------------------

@contextlib.contextmanager
def fast_cli() -> Iterator[None]:
    """Take out the two fixed costs of every CLI call that are not what is fuzzed: the password's scrypt
    (~0.1-0.6 s; the same password and salt always give the same key, so it is remembered) and building the
    argparse tree (~0.1 s; built once). Inputs, stores and the checks on them are untouched."""
    from xueji_desktop import cli
    from xueji_desktop.storage import keyring

    derive, build = keyring._derive, cli.build_parser
    keyring._derive = functools.lru_cache(maxsize=16)(derive)
    parser = build()
    cli.build_parser = lambda: parser
    try:
        yield
    finally:
        keyring._derive, cli.build_parser = derive, build


def run_cli(args: list[str]) -> tuple[int | None, str, str]:
    """(exit code or None, stderr, traceback) of ``xueji ARGS`` run in-process."""
    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(args)
    except SystemExit as exc:  # argparse
        return int(exc.code or 0), err.getvalue(), ""
    except BaseException:
        return None, err.getvalue(), traceback.format_exc()
    return code, err.getvalue(), ""


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    for p in (path, Path(str(path) + ".keys")):
        h.update(p.read_bytes())
    return h.hexdigest()


def _listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


class Workspace:
    """A county store with one registered school, a school store with students, valid inputs, and a scratch
    folder for each case's input. Accepted cases are undone by copying the pristine stores back."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pristine = root / "pristine"
        self.work = root / "work"
        self.cases = root / "cases"
        for p in (self.pristine, self.work, self.cases):
            p.mkdir(parents=True, exist_ok=True)
        os.environ["XUEJI_PASSWORD"] = PASSWORD
        os.environ["XUEJI_USER"] = "admin"
        self._build_county()
        self._build_school()
        self.reset()

    # -- setup
    def _build_county(self) -> None:
        county = new_county(self.pristine / "county.xjdb")
        self.school = FakeSchool.new("2114010068", "双塔西街小学")
        self.school.register(county)
        self.county_public = county_public(county)
        first = self.cases / "first.xjpkg"
        first.write_bytes(self.school.package(self.county_public, records(3), sequence=1))
        import_package(county, first, confirm_fingerprint=self.school.fingerprint)
        first.unlink()
        county.close()
        recs = records(6, seed=7)
        change = {"change_id": 3, "student_uid": "uid-0001", "kind": "suspend", "status": "county_pending",
                  "effective_date": "2026-09-01", "reason": "因病", "applied_at": "2026-09-01T08:00:00+08:00",
                  "decided_at": None, "data": "{}",
                  "evidence": [{"filename": "证明.jpg", "sha256": hashlib.sha256(b"scan").hexdigest(),
                                "content": "c2Nhbg=="}]}
        self.manifest, self.files = inner_members(self.school, recs, 2, change_records=[change])
        self.package = self.sign(self.manifest, self.files)

    def _build_school(self) -> None:
        from xueji_desktop.demo import create_demo_store
        from xueji_desktop.excel.template import export_students

        store, _ = create_demo_store(self.pristine / "school.xjdb", password=PASSWORD, students_per_class=3,
                                     classes_per_grade=1, photos=False)
        try:
            export_students(store, self.cases / "base.xlsx")
            self.photo_stem = store.query("SELECT id_number FROM students WHERE id_number <> '' LIMIT 1")[0][0]
        finally:
            store.close()
        self.workbook = (self.cases / "base.xlsx").read_bytes()
        (self.cases / "base.xlsx").unlink()
        from xueji_desktop.demo import demo_photo_bytes

        self.photo = demo_photo_bytes({"id_number": self.photo_stem})

    def sign(self, manifest: dict[str, Any], files: dict[str, bytes], sequence: int = 2,
             header_change: Callable[[dict[str, Any]], None] | None = None) -> bytes:
        body = inner_body(manifest, files)
        data = self.school.package(self.county_public, [], sequence=sequence, body=body)
        if header_change is None:
            return data
        z = zipfile.ZipFile(io.BytesIO(data))
        header = json.loads(z.read("xueji-package.json"))
        header_change(header)
        hb = _splice_deep(canonical(header))
        payload = z.read("payload.bin")
        return _assemble(hb, payload, zlib.crc32(payload), keys.sign(self.school.signing.private,
                                                                      SIGNATURE_CONTEXT + hb))

    # -- per case
    def reset(self) -> None:
        for name in ("county.xjdb", "school.xjdb"):
            for suffix in ("", ".keys"):
                shutil.copyfile(self.pristine / (name + suffix), self.work / (name + suffix))
        self.digests = {name: _digest(self.work / name) for name in ("county.xjdb", "school.xjdb")}
        self.baseline = _listing(self.root)

    def run(self, kind: str, mutation: str, args: list[str], store: str, inputs: list[Path]) -> Outcome:
        code, _err, tb = run_cli(args)
        problems = []
        if tb:
            problems.append("traceback")
        elif code not in (0, 1, 2):
            problems.append(f"exit code {code}")
        changed = _digest(self.work / store) != self.digests[store]
        if changed:
            try:
                with Store.open(self.work / store, "admin", PASSWORD) as s:
                    s.require_intact()
            except Exception as exc:
                problems.append(f"accepted input left a damaged store: {exc}")
        for p in inputs:
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink(missing_ok=True)
        left = _listing(self.root) - self.baseline
        if left:
            problems.append(f"left behind: {sorted(left)[:5]}")
        if changed or left:
            for p in sorted((self.root / x for x in left), key=lambda p: -len(p.parts)):
                if p.is_dir():
                    shutil.rmtree(p, ignore_errors=True)
                else:
                    p.unlink(missing_ok=True)
            self.reset()
        outcome = Outcome(kind, mutation, code, not changed, tb, problems)
        if kind == "package" and mutation in MUST_REFUSE and (changed or code != 1):
            outcome.problems.append(f"a {mutation} package was not refused (exit {code})")
        return outcome


# ---- mutations: packages ----------------------------------------------------------------------------

def _byte_mutation(rng: random.Random, data: bytes) -> tuple[str, bytes]:
    choice = rng.randrange(3)
    if choice == 0:
        buf = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            buf[rng.randrange(len(buf))] ^= rng.randint(1, 255)
        return "flip", bytes(buf)
    if choice == 1:
        return "truncate", data[:rng.randrange(len(data))]
    return "append", data + rng.randbytes(rng.randint(1, 4096))


def _paths(value: Any, prefix: tuple = ()) -> Iterator[tuple]:
    """Every JSON path in ``value`` (objects and lists, down to the leaves)."""
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, (*prefix, i))


def _set(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    target = value
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = new
    return value


DEEP = "__xueji_fuzz_deep__"   # stands for nesting too deep for json.dumps; spliced in as raw text


def _nested(rng: random.Random) -> Any:
    depth = rng.choice((64, 500, 5000, 100_000))
    if depth > 500:
        return f"{DEEP}{depth}"
    value: Any = "x"
    for _ in range(depth):
        value = [value] if rng.random() < 0.5 else {"a": value}
    return value


def _splice_deep(encoded: bytes) -> bytes:
    """Replace each DEEP marker by that many nested lists, written out as text."""
    marker = f'"{DEEP}'.encode()
    while (at := encoded.find(marker)) >= 0:
        end = encoded.index(b'"', at + 1)
        depth = int(encoded[at + len(marker):end])
        encoded = encoded[:at] + _deep_text(depth) + encoded[end + 1:]
    return encoded


def _json_member(files: dict[str, bytes], name: str) -> Any:
    if name == "students.jsonl":
        return [json.loads(line) for line in files[name].split(b"\n")]
    return json.loads(files[name])


def _dump_member(name: str, value: Any) -> bytes:
    if name == "students.jsonl":
        return b"\n".join(_splice_deep(json.dumps(v, ensure_ascii=False).encode()) for v in value)
    return _splice_deep(json.dumps(value, ensure_ascii=False).encode())


def _deep_text(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


def package_case(ws: Workspace, rng: random.Random) -> tuple[str, bytes]:
    """One mutated package: raw bytes changed, or a payload/header changed and correctly re-signed by the
    school (the hostile school signs whatever it likes)."""
    pick = rng.random()
    if pick < 0.35:
        return _byte_mutation(rng, ws.package)
    manifest, files = copy.deepcopy(ws.manifest), dict(ws.files)
    if pick < 0.45:  # a header field changed and re-signed
        header_path: list[tuple] = []

        def change(header: dict[str, Any]) -> None:
            paths = [p for p in _paths(header) if p]
            header_path.append(rng.choice(paths))
            _set(header, header_path[0], rng.choice([*WRONG_VALUES, _nested(rng)]))

        return "header-wrong-type", ws.sign(manifest, files, header_change=change)
    if pick < 0.55:  # oversized / bomb-like members
        which = rng.randrange(4)
        if which == 0:
            files["students.jsonl"] = b"\n".join([files["students.jsonl"]] * rng.choice((2, 50)))
            return "oversized-duplicated-lines", ws.sign(manifest, files)
        if which == 1:
            files["school.json"] = json.dumps({**json.loads(files["school.json"]),
                                               "address": "长" * rng.choice((3000, 3_000_000))}).encode()
            return "oversized-field", ws.sign(manifest, files)
        if which == 2:
            files["photos/uid-0000.jpg"] = b"\0" * (rng.choice((2, 30)) << 20)
            return "oversized-photo", ws.sign(manifest, files)
        files[rng.choice(["school.json", "classes.json", "students.jsonl", "change_records.json"])] = \
            _deep_text(rng.choice((100, 10_000, 200_000)))
        return "deeply-nested-member", ws.sign(manifest, files)
    name = rng.choice(["manifest.json", "school.json", "classes.json", "students.jsonl", "change_records.json"])
    value = manifest if name == "manifest.json" else _json_member(files, name)
    path = rng.choice(list(_paths(value)))
    new = _nested(rng) if rng.random() < 0.15 else rng.choice(WRONG_VALUES)
    value = _set(value, path, new)
    deep = (isinstance(new, list | dict) and new not in ([], [1, 2], {})) or str(new).startswith(DEEP)
    mutation = "deep-nesting" if deep else "wrong-type"
    if name == "manifest.json":
        if isinstance(value, dict) and path[:1] != ("members",):  # hashes kept right: the mutation is what counts
            value["members"] = {n: hashlib.sha256(d).hexdigest() for n, d in files.items()}
        body = _zip([("manifest.json", _dump_member(name, value)), *files.items()])
        return f"{mutation}:manifest", ws.school.package(ws.county_public, [], sequence=2, body=body)
    files[name] = _dump_member(name, value)
    return f"{mutation}:{name}", ws.sign(manifest, files)


def _zip(members: list[tuple[str, bytes]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
    return buf.getvalue()


def run_package(ws: Workspace, rng: random.Random) -> Outcome:
    mutation, data = package_case(ws, rng)
    path = ws.cases / "p.xjpkg"
    path.write_bytes(data)
    return ws.run("package", mutation.split(":")[0], ["county", "import", "--db", str(ws.work / "county.xjdb"),
                                                      str(path), "--json"], "county.xjdb", [path])


# ---- mutations: workbooks -----------------------------------------------------------------------

_BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                   + b"".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'.encode()
                              for i in range(1, 10)) + b"]>")
_XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


def _xml_mutation(rng: random.Random, xml: bytes) -> tuple[str, bytes]:
    body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
    choice = rng.randrange(10)
    if choice == 0:
        return "billion-laughs", _BILLION_LAUGHS + body.replace(b"</", b"&lol9;</", 1)
    if choice == 1:
        return "xxe", _XXE + body.replace(b"</", b"&e;</", 1)
    if choice == 2:
        depth = rng.choice((1000, 100_000))
        at = body.rfind(b"</")
        return "deep-xml", body[:at] + b"<a>" * depth + b"</a>" * depth + body[at:]
    if choice == 3:
        at = body.find(b">") + 1
        return "huge-attribute", body[:at - 1] + b' x="' + b"A" * (rng.choice((1, 20)) << 20) + b'"' + body[at - 1:]
    if choice == 4:
        return "xml-truncated", xml[:rng.randrange(len(xml))]
    if choice == 5:
        buf = bytearray(xml)
        for _ in range(rng.randint(1, 6)):
            buf[rng.randrange(len(buf))] = rng.choice(b"\x00\xff\xc3<>&\"'")
        return "xml-bytes", bytes(buf)
    if choice == 6:
        swaps = [(b't="s"', rng.choice([b't="n"', b't="b"', b't="e"', b't="d"', b't="str"', b't="inlineStr"',
                                        b't="zz"'])),
                 (b"<v>", rng.choice([b"<v>-1", b"<v>99999999", b"<v>1e400", b"<v>NaN", b"<v>x", b"<v>\xe4\xb8"])),
                 (b' s="', rng.choice([b' s="99999', b' s="-', b' s="x'])),
                 (b' r="', rng.choice([b' r="ZZZZ99999999', b' r="', b' r="A0'])),
                 (b"<si>", b"<si><r><t>" + b"\xe5\xad\xa6" * rng.choice((1, 100_000)) + b"</t></r>")]
        old, new = rng.choice(swaps)
        count = body.count(old)
        if count == 0:
            return "cell-noop", xml
        return "cell-type", body.replace(old, new, rng.randint(1, count))
    if choice == 7:
        return "wrong-namespace", body.replace(b"http://schemas.openxmlformats.org", b"http://evil.example", 1)
    if choice == 8:
        return "empty-part", b""
    return "not-xml", rng.randbytes(rng.randint(1, 2000))


def workbook_case(ws: Workspace, rng: random.Random) -> tuple[str, bytes]:
    if rng.random() < 0.3:
        return _byte_mutation(rng, ws.workbook)
    z = zipfile.ZipFile(io.BytesIO(ws.workbook))
    parts = {n: z.read(n) for n in z.namelist()}
    if rng.random() < 0.08:
        name = "xl/worksheets/sheet1.xml" if "xl/worksheets/sheet1.xml" in parts else rng.choice(list(parts))
        parts[name] = parts[name] + b" " * (rng.choice((24, 80)) << 20)  # deflates ~1000:1: a bomb
        return "bomb-part", _zip(list(parts.items()))
    xml_parts = [n for n in parts if n.endswith((".xml", ".rels"))]
    weights = [6 if "worksheets" in n else 3 if "sharedStrings" in n else 1 for n in xml_parts]
    name = rng.choices(xml_parts, weights)[0]
    mutation, parts[name] = _xml_mutation(rng, parts[name])
    if rng.random() < 0.05:
        parts.pop(rng.choice(list(parts)))
        mutation += "+missing-part"
    return f"{mutation}:{name}", _zip(list(parts.items()))


def run_workbook(ws: Workspace, rng: random.Random) -> Outcome:
    mutation, data = workbook_case(ws, rng)
    path = ws.cases / "w.xlsx"
    path.write_bytes(data)
    if rng.random() < 0.25:
        args = ["check-excel", str(path), "--json"]
    else:
        args = ["import-excel", "--db", str(ws.work / "school.xjdb"), str(path), "--json"]
    return ws.run("workbook", mutation.split(":")[0], args, "school.xjdb", [path])


# ---- mutations: photos --------------------------------------------------------------------------------

def _png(width: int, height: int, mode_bytes: bytes = b"\x08\x02\x00\x00\x00", idat: bytes = b"") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">II", width, height) + mode_bytes)
            + chunk(b"IDAT", idat or zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def _other_format(rng: random.Random, photo: bytes) -> tuple[str, bytes]:
    from PIL import Image

    img = Image.open(io.BytesIO(photo))
    fmt = rng.choice(["PNG", "GIF", "BMP", "TIFF", "WEBP", "PNG-P", "PNG-LA", "JPEG-CMYK", "PNG-16", "tiny"])
    buf = io.BytesIO()
    if fmt == "PNG-P":
        img.convert("P").save(buf, "PNG")
    elif fmt == "PNG-LA":
        img.convert("LA").save(buf, "PNG")
    elif fmt == "JPEG-CMYK":
        img.convert("CMYK").save(buf, "JPEG")
    elif fmt == "PNG-16":
        img.convert("I;16").save(buf, "PNG")
    elif fmt == "tiny":
        img.resize((1, 1)).save(buf, "JPEG")
    else:
        img.save(buf, fmt)
    return f"format-{fmt}", buf.getvalue()


def _sof_dimensions(photo: bytes, width: int, height: int) -> bytes:
    at = photo.find(b"\xff\xc0")
    if at < 0:
        at = photo.find(b"\xff\xc2")
    buf = bytearray(photo)
    struct.pack_into(">HH", buf, at + 5, height, width)
    return bytes(buf)


def photo_case(ws: Workspace, rng: random.Random) -> tuple[str, bytes]:
    pick = rng.random()
    if pick < 0.4:
        mutation, data = _byte_mutation(rng, ws.photo)
        return mutation, data
    if pick < 0.55:
        w, h = rng.choice([(65535, 65535), (0, 0), (1, 65535), (20000, 20000), (9000, 9000)])
        return "jpeg-dimensions", _sof_dimensions(ws.photo, w, h)
    if pick < 0.65:
        w, h = rng.choice([(100_000, 100_000), (1 << 30, 1), (0, 10), (10000, 10000)])
        return "png-dimensions", _png(w, h)
    if pick < 0.85:
        return _other_format(rng, ws.photo)
    if pick < 0.9:
        exif_at = 2
        bogus = b"\xff\xe1" + struct.pack(">H", 40) + b"Exif\0\0MM\0*\0\0\0\x08\0\x01\x01\x12\0\x03\0\0\0\x01" \
            + bytes([0, rng.randint(0, 255)]) + b"\0\0\0\0\0\0\0\0\0"
        return "bogus-exif", ws.photo[:exif_at] + bogus + ws.photo[exif_at:]
    if pick < 0.95:
        return "oversized-file", ws.photo + rng.randbytes(rng.choice((1, 25)) << 20)
    return "not-an-image", rng.choice([b"", b"hello", rng.randbytes(3000), b"%PDF-1.4\n" + rng.randbytes(500)])


def run_photo(ws: Workspace, rng: random.Random) -> Outcome:
    mutation, data = photo_case(ws, rng)
    folder = ws.cases / "photos"
    folder.mkdir(exist_ok=True)
    path = folder / f"{ws.photo_stem}{rng.choice(['.jpg', '.jpeg', '.png', '.JPG'])}"
    path.write_bytes(data)
    if rng.random() < 0.3:
        args = ["check-photo", str(path), "--json"]
    else:
        args = ["import-photos", "--db", str(ws.work / "school.xjdb"), str(folder), "--json"]
    return ws.run("photo", mutation, args, "school.xjdb", [folder])


RUNNERS: dict[str, Callable[[Workspace, random.Random], Outcome]] = {
    "package": run_package, "workbook": run_workbook, "photo": run_photo}


def fuzz(ws: Workspace, kind: str, cases: int, seed: int) -> list[Outcome]:
    rng = random.Random(f"{kind}-{seed}")
    return [RUNNERS[kind](ws, rng) for _ in range(cases)]


def summary(outcomes: list[Outcome]) -> dict[str, Any]:
    bad = [o for o in outcomes if o.problems]
    return {"cases": len(outcomes), "refused": sum(o.refused for o in outcomes),
            "accepted": sum(not o.refused for o in outcomes), "failures": len(bad),
            "exit_codes": dict(Counter(str(o.exit_code) for o in outcomes)),
            "mutations": dict(Counter(o.mutation for o in outcomes))}

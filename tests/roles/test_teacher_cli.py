"""Every command, run as a class teacher: what the role allows works on its own class only; everything else
is refused with the rule named, exit 2, and nothing written."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from tests.conftest import PASSWORD
from tests.roles.helpers import student_of
from xueji_desktop.cli import build_parser, main
from xueji_desktop.cli.common import TEACHER_COMMANDS, command_key

# Commands that open no data file (they check or write files the user names) or run the whole self-test.
NO_STORE = {"template", "check-id", "check-excel", "check-photo", "fix-photo", "self-test"}


def _leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    """(command words, parser) of every runnable command."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for name, child in subs[0].choices.items():
        yield from _leaves(child, (*path, name))


def _dummy_argv(parser: argparse.ArgumentParser, tmp: Path) -> list[str]:
    """Required arguments filled with harmless values, so the command gets as far as opening the store."""
    argv: list[str] = []
    group_picks = [g._group_actions[0] for g in parser._mutually_exclusive_groups if g.required]
    for action in parser._actions:
        if isinstance(action, argparse._HelpAction) or action.dest in ("db", "user"):
            continue
        dummy = "1" if action.type not in (None, str, Path) else str(tmp / "x")
        value = str(action.choices[0]) if action.choices else dummy
        if not action.option_strings:
            if action.nargs in (None, 1, "+"):
                argv.append(value)
        elif action.required or action in group_picks:
            argv += [action.option_strings[0]] + ([] if action.nargs == 0 else [value])
    return argv


def _snapshot(path: Path) -> tuple:
    from xueji_desktop.storage import Store

    with Store.open(path, "admin", PASSWORD) as store:
        tables = [r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        counts = tuple((t, store.conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in sorted(tables))
        return store.meta("audit_head"), counts


@pytest.fixture
def as_teacher(teacher_school, monkeypatch):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    return ["--db", str(teacher_school.path), "--user", "teacher1"]


def test_every_command_not_for_teachers_is_refused(as_teacher, teacher_school, tmp_path, capsys):
    before = _snapshot(teacher_school.path)
    out = tmp_path / "out"
    out.mkdir()
    refused = 0
    for words, parser in _leaves(build_parser()):
        if words[0] in NO_STORE:
            continue
        args = [*words, *_dummy_argv(parser, out), *as_teacher]
        if command_key(build_parser().parse_args(args)) in TEACHER_COMMANDS:
            continue
        code = main(args)
        err = capsys.readouterr().err
        assert code == 2, (words, err)
        refused += "班主任" in err  # (a few stop earlier, at a file the dummy arguments name: still nothing written)
    assert refused > 40  # every store command but the handful a teacher may run
    assert _snapshot(teacher_school.path) == before
    assert not list(out.iterdir())  # no file written for a refused command


def test_teacher_commands_work_on_own_class_only(as_teacher, teacher_school, tmp_path, capsys, qapp):
    own = teacher_school.own
    assert main(["info", *as_teacher]) == 0
    assert main(["class", "list", *as_teacher]) == 0
    out = capsys.readouterr().out
    assert own in out and teacher_school.other not in out

    pdf = tmp_path / "roster.pdf"
    assert main(["print-roster", "--class", own, "--out", str(pdf), *as_teacher]) == 0
    assert pdf.exists()
    assert main(["print-roster", "--class", teacher_school.other, "--out", str(tmp_path / "o.pdf"),
                 *as_teacher]) == 2
    assert "不是您负责的班级" in capsys.readouterr().err
    assert main(["print-roster", "--class", own, "--no-mask", "--out", str(tmp_path / "full.pdf"),
                 *as_teacher]) == 2
    assert "隐去" in capsys.readouterr().err and not (tmp_path / "full.pdf").exists()

    from xueji_desktop.storage import Store

    with Store.open(teacher_school.path, "admin", PASSWORD) as clerk:
        _, own_number = student_of(clerk, own)
        _, other_number = student_of(clerk, teacher_school.other)
    assert main(["verify", "mark", own_number, *as_teacher]) == 0
    assert main(["verify", "mark", other_number, *as_teacher]) == 2
    assert "负责的班级" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["verify", "progress", "--json", *as_teacher]) == 0
    progress = json.loads(capsys.readouterr().out)
    assert [(p["class_code"], p["checked"]) for p in progress] == [(own, 1)]

    assert main(["propose", own_number, "特长=书法", *as_teacher]) == 0
    assert main(["propose", other_number, "特长=书法", *as_teacher]) == 2
    capsys.readouterr()
    assert main(["proposals", "accept", "1", *as_teacher]) == 2
    assert main(["proposals", "accept", "1", "--db", str(teacher_school.path)]) == 0
    capsys.readouterr()
    assert main(["proposals", "list", "--json", *as_teacher]) == 0
    assert json.loads(capsys.readouterr().out)[0]["state"] == "accepted"


def test_clerk_sees_check_progress_of_every_class(teacher_school, monkeypatch, capsys):
    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    assert main(["verify", "progress", "--db", str(teacher_school.path)]) == 0
    out = capsys.readouterr().out
    assert teacher_school.own in out and teacher_school.other in out and "已核对 0/" in out


def test_roster_is_masked_by_default(demo_path, tmp_path, monkeypatch, qapp):
    from tests.printing.conftest import pdf_pages_text
    from xueji_desktop.masking import mask_id
    from xueji_desktop.storage import Store

    monkeypatch.setenv("XUEJI_PASSWORD", PASSWORD)
    with Store.open(demo_path, "admin", PASSWORD) as store:
        code = store.conn.execute("SELECT class_code FROM classes ORDER BY id LIMIT 1").fetchone()[0]
        number = store.conn.execute("SELECT s.id_number FROM students s JOIN classes c ON c.id = s.class_id"
                                    " WHERE c.class_code = ? AND s.id_number != '' LIMIT 1", (code,)).fetchone()[0]
    masked, full = tmp_path / "masked.pdf", tmp_path / "full.pdf"
    assert main(["print-roster", "--class", code, "--out", str(masked), "--db", str(demo_path)]) == 0
    assert main(["print-roster", "--class", code, "--no-mask", "--out", str(full), "--db", str(demo_path)]) == 0
    masked_text, full_text = "\n".join(pdf_pages_text(masked)), "\n".join(pdf_pages_text(full))
    assert number not in masked_text and mask_id(number) in masked_text
    assert number in full_text

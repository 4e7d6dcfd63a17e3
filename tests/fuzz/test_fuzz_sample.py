"""A fixed-seed sample of the fuzz harness (bench/fuzz.py runs ≥ 1,000 cases per kind): every mutated package,
workbook and photo ends in a clean refusal or a clean acceptance — no traceback, exit 0/1/2, a refusal leaves the
store byte-for-byte unchanged, nothing left behind; every byte-level change to a signed package is refused."""

from __future__ import annotations

import pytest

from tests.fuzz.harness import PASSWORD, Workspace, fast_cli, fuzz, summary

SAMPLE = {"package": 40, "workbook": 30, "photo": 30}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp, fast_cli():
        mp.setenv("XUEJI_PASSWORD", PASSWORD)  # restored after the module (Workspace sets them for the CLI)
        mp.setenv("XUEJI_USER", "admin")
        yield Workspace(tmp_path_factory.mktemp("fuzz"))


@pytest.mark.parametrize("kind", list(SAMPLE))
def test_fuzz_sample(workspace, kind):
    outcomes = fuzz(workspace, kind, SAMPLE[kind], seed=21)
    failures = [(o.mutation, o.exit_code, o.problems, o.traceback[-800:]) for o in outcomes if o.problems]
    assert not failures, failures
    result = summary(outcomes)
    assert result["refused"] > 0  # the sample does reach the refusals it is about
    if kind == "package":
        assert {"flip", "truncate", "append", "wrong-type"} <= set(result["mutations"])

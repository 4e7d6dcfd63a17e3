"""The student-record domain has no import cycle: the gate owns the rules, the others call it."""

from __future__ import annotations

import ast
from pathlib import Path

RECORDS = Path(__file__).resolve().parents[2] / "xueji_desktop" / "records"


def _imports(path: Path) -> set[str]:
    """The sibling modules ``path`` imports, at module level or inside functions."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out.update(a.name for a in node.names)
    return out


def test_records_modules_import_each_other_without_a_cycle():
    graph = {p.stem: _imports(p) & {q.stem for q in RECORDS.glob("*.py")} for p in RECORDS.glob("*.py")}
    assert graph["gate"] <= {"enrolment"}, graph["gate"]
    seen: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        if seen.get(node) == 1:
            raise AssertionError("import cycle: " + " → ".join([*path, node]))
        if seen.get(node) == 2:
            return
        seen[node] = 1
        for dep in sorted(graph.get(node, ())):
            visit(dep, [*path, node])
        seen[node] = 2

    for module in sorted(graph):
        visit(module, [])

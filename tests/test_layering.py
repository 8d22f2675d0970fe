"""The package's parts depend downward only (ARCHITECTURE.md), counting every import.

Each module of ``django_notification_system`` is read with ``ast`` (imports at the top and
inside functions, relative ones resolved) and mapped to its part: the sub-package or the
top-level module it belongs to. The test fails on a cycle between parts (printing it) and on
a forbidden arrow: models import only the bottom parts, handlers import no capability, the
dispatcher imports neither the rules nor any capability.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

import django_notification_system

PACKAGE = "django_notification_system"
ROOT = Path(django_notification_system.__file__).parent

#: Parts at the bottom, which models may import.
BOTTOM = {"conf", "exceptions", "signals", "models"}
#: Capabilities: the dispatcher and the handlers import none of them.
CAPABILITIES = {
    "api",
    "digests",
    "inbox",
    "keys",
    "notification_creators",
    "preferences",
    "quiet_hours",
    "realtime",
    "retention",
    "topics",
    "tracking",
    "workers",
}
#: Cycles allowed for now, as sets of parts.
ALLOWED_CYCLES: list[set[str]] = []


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function, as an absolute name."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                base = node.module or ""
            else:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def part_of(module: str) -> str | None:
    """The top-level part of the package that ``module`` belongs to (``None``: outside)."""
    pieces = module.split(".")
    if pieces[0] != PACKAGE or len(pieces) < 2:
        return None
    top = pieces[1]
    if (ROOT / top).is_dir() or (ROOT / f"{top}.py").exists():
        return top
    return None


def part_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = defaultdict(set)
    for path in ROOT.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        source = part_of(module_name(path))
        if source is None:
            continue
        graph[source]
        for imported in imported_modules(path):
            target = part_of(imported)
            if target is not None and target != source:
                graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected groups of more than one part (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.add(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(group)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return groups


def describe(group: set[str], graph: dict[str, set[str]]) -> str:
    return "; ".join(f"{a} -> {b}" for a in sorted(group) for b in sorted(graph[a]) if b in group)


def test_no_cycle_between_parts_beyond_the_allowed_ones():
    graph = part_graph()
    found = cycles(graph)
    unexpected = [group for group in found if group not in ALLOWED_CYCLES]
    assert not unexpected, "import cycles: " + " | ".join(describe(g, graph) for g in unexpected)


def test_models_import_only_the_bottom_parts():
    upward = part_graph()["models"] - BOTTOM
    assert not upward, f"models import {sorted(upward)}"


def test_handlers_import_no_capability():
    upward = part_graph()["notification_handlers"] & (CAPABILITIES | {"rules", "dispatch"})
    assert not upward, f"notification_handlers import {sorted(upward)}"


def test_the_dispatcher_imports_neither_rules_nor_capabilities():
    upward = part_graph()["dispatch"] & (CAPABILITIES | {"rules"})
    assert not upward, f"dispatch imports {sorted(upward)}"


def test_rules_import_no_capability():
    upward = part_graph()["rules"] & CAPABILITIES
    assert not upward, f"rules import {sorted(upward)}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f():\n    from ..digests import hold\n", f"{PACKAGE}.digests"),
        ("from .. import preferences\n", f"{PACKAGE}.preferences"),
        ("import django_notification_system.tracking.receipts\n", f"{PACKAGE}.tracking.receipts"),
        ("from .record import per_row\n", f"{PACKAGE}.dispatch.record"),
    ],
)
def test_the_walker_sees_every_kind_of_import(tmp_path, monkeypatch, source, expected):
    package = tmp_path / PACKAGE / "dispatch"
    package.mkdir(parents=True)
    module = package / "bad.py"
    module.write_text(source)
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path / PACKAGE)
    assert expected in imported_modules(module)


def test_a_cycle_is_found_and_printed():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    (group,) = cycles(graph)
    assert group == {"a", "b", "c"}
    assert describe(group, graph) == "a -> b; b -> c; c -> a"

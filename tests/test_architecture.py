"""The layering of ARCHITECTURE.md, checked on every import in the code.

Dependencies point one way: ``geodata`` → ``coverage`` → ``planner`` → ``hatangso`` →
``ui`` (and ``app.py``). The test reads every module's source with :mod:`ast` (no import
is executed), so an import inside a function counts as much as one at the top: a lazy
import that hides a cycle is still a cycle for a reader. Imports under ``if TYPE_CHECKING:``
count for the direction of the layers but not for cycles (they never run).
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = ("geodata", "coverage", "planner", "hatangso", "ui", "app")
RANK = {name: i for i, name in enumerate(LAYERS)}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {_module_name(ROOT / "app.py"): ROOT / "app.py"}
    for package in LAYERS[:-1]:
        for path in sorted((ROOT / package).rglob("*.py")):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _owner(name: str) -> str:
    """Return the nearest module of ours that ``name`` lives in ("" for a third party)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name


def _targets(node: ast.stmt, package: str) -> list[str]:
    """Return the modules of ours an ``import`` statement reads."""
    if isinstance(node, ast.Import):
        return [_owner(alias.name) for alias in node.names]
    if not isinstance(node, ast.ImportFrom):
        return []
    base = node.module or ""
    if node.level:
        parts = package.split(".")
        anchor = parts[: len(parts) - node.level + 1]
        base = ".".join([*anchor, base] if base else anchor)
    return [
        _owner(f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base)
        for alias in node.names
    ]


def _imports(module: str, path: Path) -> Iterator[tuple[str, bool, int]]:
    """Yield (imported module, type-checking only, line) for every import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    typing_only = {
        id(child)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and _is_type_checking(node.test)
        for stmt in node.body
        for child in ast.walk(stmt)
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for target in _targets(node, package):
                if target and target != module:
                    yield target, id(node) in typing_only, node.lineno


def _layer(module: str) -> str:
    return module.split(".", maxsplit=1)[0]


EDGES = [
    (module, target, typing_only, line)
    for module, path in MODULES.items()
    for target, typing_only, line in _imports(module, path)
]


def test_every_package_is_seen() -> None:
    assert {_layer(m) for m in MODULES} == set(LAYERS)
    assert len(EDGES) > 100  # the walk found the imports


def test_no_import_points_up_the_layers() -> None:
    upward = sorted(
        {
            f"{module} (line {line}) imports {target}"
            for module, target, _, line in EDGES
            if RANK[_layer(target)] > RANK[_layer(module)]
        }
    )
    assert not upward, "imports against the layers of ARCHITECTURE.md:\n" + "\n".join(upward)


def _cycles(edges: list[tuple[str, str, bool, int]]) -> list[list[str]]:
    graph = nx.DiGraph()
    graph.add_edges_from((m, t) for m, t, typing_only, _ in edges if not typing_only)
    # A package's __init__ re-exports its modules; a module importing a name through its
    # own package's __init__ is the cycle a reader trips on, so it is not excluded.
    return [sorted(c) for c in nx.strongly_connected_components(graph) if len(c) > 1]


def test_no_import_cycle() -> None:
    cycles = _cycles(EDGES)
    assert not cycles, f"import cycles: {cycles}"


def test_the_walk_sees_a_cycle_but_not_a_type_checking_one() -> None:
    run = [("geodata.store.facade", "geodata.store.pg", False, 1)]
    back = ("geodata.store.pg", "geodata.store.facade")
    assert _cycles([*run, (*back, False, 9)]) == [["geodata.store.facade", "geodata.store.pg"]]
    assert _cycles([*run, (*back, True, 9)]) == []


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from planner.steiner import steiner_tree\n", "upward"),
        ("import ui.shell\n", "upward"),
        ("from geodata.errors import InputError\n", "fine"),
    ],
)
def test_the_walk_sees_an_upward_import(tmp_path: Path, source: str, expected: str) -> None:
    path = tmp_path / "probe.py"
    path.write_text(source, encoding="utf-8")
    targets = [t for t, _, _ in _imports("coverage.probe", path)]
    upward = [t for t in targets if RANK[_layer(t)] > RANK["coverage"]]
    assert bool(upward) == (expected == "upward"), targets


def test_every_package_is_installed() -> None:
    """A subpackage missing from pyproject's list works in a checkout, not once installed."""
    listed = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"][
            "packages"
        ]
    )
    found = {m for m, path in MODULES.items() if path.name == "__init__.py"}
    assert listed == found

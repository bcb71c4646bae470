"""No import cycle in pytest_agentrun (issue 21): a module reads knowing only what it imports.

The graph holds every import, at module level and inside functions alike (an import moved into
a function hides a cycle from Python, not from a reader); `from package import name` counts as
an import of the submodule when `name` is one. Only imports under `if TYPE_CHECKING:` are left
out: they name a type for an annotation and never run. Cycles are looked for between modules and
between the package's rooms (its subpackages and top-level modules: drive/ and incluster/ must not
import each other through any pair of their modules).
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pytest_agentrun"
ROOT = PACKAGE.name


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _typing_only(tree: ast.Module) -> set[ast.AST]:
    """The nodes under `if TYPE_CHECKING:` blocks."""
    blocks = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
    ]
    return {inner for block in blocks for stmt in block.body for inner in ast.walk(stmt)}


def imports_of(name: str, path: Path, known: set[str]) -> set[str]:
    """The package's modules that `name` imports anywhere in its text."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    typing_only = _typing_only(tree)
    found: set[str] = set()
    for node in ast.walk(tree):
        if node in typing_only:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([node.module] if node.module else []))
            submodules = {f"{base}.{alias.name}" for alias in node.names}
            found |= (submodules & known) or {base}
    return {module for module in found if module in known and module != name}


def import_graph() -> dict[str, set[str]]:
    found = modules()
    return {name: imports_of(name, path, set(found)) for name, path in found.items()}


def rooms(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    """The graph between the package's rooms: `pytest_agentrun.drive.trigger` is in `drive`."""

    def room(module: str) -> str:
        return ".".join(module.split(".")[:2])

    found: dict[str, set[str]] = {room(name): set() for name in graph}
    for name, targets in graph.items():
        found[room(name)] |= {room(t) for t in targets if room(t) != room(name)}
    return found


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_graph_sees_imports_inside_functions_and_of_submodules():
    graph = import_graph()
    # options.py imports criteria_of inside a function; report/html.py imports `render` by name.
    assert "pytest_agentrun.verdict.outcome" in graph["pytest_agentrun.options"]
    assert "pytest_agentrun.verdict.render" in graph["pytest_agentrun.report.html"]
    # prefetch.py names LaneSession for its annotations only (under TYPE_CHECKING).
    assert "pytest_agentrun.readers.session" not in graph["pytest_agentrun.readers.prefetch"]


def test_the_cycle_finder_finds_a_cycle_between_modules_and_between_rooms():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    modules = {"p.drive.x": {"p.incluster.y"}, "p.incluster.y": {"p.drive.z"}, "p.drive.z": set()}
    assert cycles(modules) == [] and cycles(rooms(modules)) == [["p.drive", "p.incluster"]]


def test_no_import_cycle_between_modules():
    assert cycles(import_graph()) == []


def test_no_import_cycle_between_the_packages_rooms():
    assert cycles(rooms(import_graph())) == []

"""The import graph of our packages: no cycle, and no module reaching into another's private names.

Imports are read from the source (module- and function-level alike, ``TYPE_CHECKING`` blocks
included), so a cycle hidden inside a function still counts.
"""

from __future__ import annotations

import ast
import graphlib
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("agent", "collector", "tierwatch_common")


@dataclass
class Graph:
    modules: dict[str, Path]
    edges: dict[str, set[str]] = field(default_factory=dict)
    private: list[str] = field(default_factory=list)


def module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def resolve(current: str, is_package: bool, module: str | None, level: int) -> str:
    """The absolute name ``from <level dots><module> import ...`` refers to, inside ``current``."""
    if level == 0:
        return module or ""
    base = current.split(".") if is_package else current.split(".")[:-1]
    base = base[: len(base) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def owner(name: str, modules: dict[str, Path]) -> str | None:
    """The longest of our modules that ``name`` is or lies in; None outside our packages."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def is_private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def build(root: Path, packages: tuple[str, ...]) -> Graph:
    modules = {module_name(f, root): f for pkg in packages for f in sorted((root / pkg).rglob("*.py"))}
    graph = Graph(modules, {m: set() for m in modules})
    for current, path in modules.items():
        tree = ast.parse(path.read_text(), str(path))
        is_package = path.name == "__init__.py"
        aliases: dict[str, str] = {}        # local name -> one of our modules, bound by an import
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    target = owner(alias.name, modules)
                    if target is None:
                        continue
                    if target != current:
                        graph.edges[current].add(target)
                    if alias.asname:
                        aliases[alias.asname] = target
            elif isinstance(node, ast.ImportFrom):
                base = resolve(current, is_package, node.module, node.level)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    target = owner(full, modules)
                    if target is None:
                        continue
                    if target != current:
                        graph.edges[current].add(target)
                    if full in modules:
                        aliases[alias.asname or alias.name] = full
                    elif is_private(alias.name) and target != current:
                        graph.private.append(f"{current} imports {full}")
        for node in ast.walk(tree):          # `module._name` through a name an import bound to a module
            if (isinstance(node, ast.Attribute) and is_private(node.attr) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and aliases[node.value.id] != current
                    and f"{aliases[node.value.id]}.{node.attr}" not in modules):
                graph.private.append(f"{current} uses {aliases[node.value.id]}.{node.attr}")
    return graph


def cycle_of(edges: dict[str, set[str]]) -> list[str]:
    """One import cycle (first module repeated at the end), or [] when the graph has none."""
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as exc:
        return list(reversed(exc.args[1]))
    return []


@pytest.fixture(scope="module")
def graph() -> Graph:
    return build(ROOT, PACKAGES)


def test_the_walk_sees_every_module_of_our_packages_and_their_imports(graph: Graph) -> None:
    assert "collector.availability.engine" in graph.modules
    assert "tierwatch_common.wire" in graph.modules
    assert "agent" in graph.modules and "agent.snmp.client" in graph.modules
    assert "collector.availability.groups" in graph.edges["collector.availability.engine"]


def test_no_module_of_ours_imports_itself_back_through_others(graph: Graph) -> None:
    cycle = cycle_of(graph.edges)
    assert cycle == [], "import cycle: " + " -> ".join(cycle)


def test_no_module_of_ours_imports_or_touches_another_module_s_private_names(graph: Graph) -> None:
    assert graph.private == [], "\n".join(graph.private)


def test_the_walk_catches_a_cycle_inside_a_function_and_every_kind_of_private_reach(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg.b import thing\n_HIDDEN = 1\n")
    (pkg / "b.py").write_text("def thing():\n    from pkg import a\n    return a._HIDDEN\n")
    (pkg / "sub" / "c.py").write_text("from ..a import _HIDDEN\nfrom . import d\nd._x()\n")
    (pkg / "sub" / "d.py").write_text("def _x():\n    return _y()\n\ndef _y():\n    return 1\n")
    graph = build(tmp_path, ("pkg",))
    assert set(cycle_of(graph.edges)) == {"pkg.a", "pkg.b"}
    assert sorted(graph.private) == ["pkg.b uses pkg.a._HIDDEN", "pkg.sub.c imports pkg.a._HIDDEN",
                                     "pkg.sub.c uses pkg.sub.d._x"]
    (pkg / "b.py").write_text("def thing():\n    return 1\n")
    assert cycle_of(build(tmp_path, ("pkg",)).edges) == []

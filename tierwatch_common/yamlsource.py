"""YAML loading that remembers where every node came from.

`load_yaml` returns plain Python data plus a `Positions` map from a path
(tuple of keys and list indexes) to the (line, column) of that node, so a
validation error on ``targets[2].snmp.version`` can name its line in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

Path = tuple[str | int, ...]


@dataclass
class Positions:
    """Where each path of a loaded document sits in its file (1-based line and column)."""

    nodes: dict[Path, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)

    def of(self, path: Path, *, key: bool = False) -> tuple[int, int]:
        """Position of `path`, or of its closest ancestor that exists in the file."""
        table = self.keys if key else self.nodes
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if probe in self.nodes:
                return self.nodes[probe]
            probe = probe[:-1]
        return self.nodes.get((), (1, 1))


class YamlSyntaxError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


MAX_NODES = 200_000  # an alias "billion laughs" expands past this and is refused
MAX_DEPTH = 100


class _Budget:
    def __init__(self) -> None:
        self.nodes = 0
        self.active: set[int] = set()


def _construct(node: yaml.Node, path: Path, pos: Positions, loader: yaml.SafeLoader, budget: _Budget) -> Any:
    budget.nodes += 1
    where = (node.start_mark.line + 1, node.start_mark.column + 1)
    if budget.nodes > MAX_NODES:
        raise YamlSyntaxError(f"document expands to more than {MAX_NODES} nodes (aliases?)", *where)
    if len(path) > MAX_DEPTH:
        raise YamlSyntaxError(f"nesting deeper than {MAX_DEPTH} levels", *where)
    if id(node) in budget.active:
        raise YamlSyntaxError("an alias refers to a node that contains it (recursive alias)", *where)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)):
        budget.active.add(id(node))
        try:
            return _construct_collection(node, path, pos, loader, budget)
        finally:
            budget.active.discard(id(node))
    pos.nodes[path] = where
    return loader.construct_object(node, deep=True)


def _construct_collection(node: yaml.Node, path: Path, pos: Positions, loader: yaml.SafeLoader,
                          budget: _Budget) -> Any:
    pos.nodes[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                raise YamlSyntaxError("mapping keys must be plain scalars",
                                      key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if key in out:
                raise YamlSyntaxError(f"duplicate key {key!r}",
                                      key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            child = (*path, key if isinstance(key, str) else str(key))
            pos.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key if isinstance(key, str) else str(key)] = _construct(value_node, child, pos, loader, budget)
        return out
    return [_construct(item, (*path, i), pos, loader, budget) for i, item in enumerate(node.value)]


def load_yaml(text: str) -> tuple[Any, Positions]:
    """Parse one YAML document; raise YamlSyntaxError with line/column on malformed input."""
    pos = Positions()
    loader = None
    try:
        loader = yaml.SafeLoader(text)
        node = loader.get_single_node()
        if node is None:
            return {}, pos
        return _construct(node, (), pos, loader, _Budget()), pos
    except RecursionError:
        raise YamlSyntaxError(f"nesting deeper than {MAX_DEPTH} levels", 1, 1) from None
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        raise YamlSyntaxError(f"YAML error: character {exc.character!r} is not allowed here", line, col) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlSyntaxError(f"YAML syntax error: {exc.problem or exc}", line, col) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"YAML error: {exc}", 1, 1) from None
    finally:
        if loader is not None:
            loader.dispose()


def _line_col(text: str, position: int) -> tuple[int, int]:
    before = text[:position]
    return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1

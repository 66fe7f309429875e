"""Turning a YAML file into a typed, immutable config model, or into every problem at once.

Errors read ``FILE:LINE:COL: path: message`` and are sorted by line, so an operator
can fix a whole file in one pass. Values are never echoed for secret fields.
"""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path as FsPath
from typing import Any, Generic, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict

from tierwatch_common.vocabulary import names_a_secret
from tierwatch_common.yamlsource import Path, Positions, YamlSyntaxError, load_yaml

M = TypeVar("M", bound=BaseModel)

EXIT_CONFIG_ERROR = 2


class StrictModel(BaseModel):
    """Base for every config model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=False)


@dataclass(frozen=True, order=True)
class ConfigProblem:
    line: int
    column: int
    path: str
    message: str
    file: str = ""

    def render(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ConfigError(Exception):
    """All problems found in one or more config files."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.file, p.line, p.column, p.path))
        super().__init__("\n".join(p.render() for p in self.problems))


def dotted(path: Path) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _model_fields_at(model: type[BaseModel], path: Path) -> list[str]:
    """Field names (and aliases) of the model found at `path`, for did-you-mean hints.

    Walks the annotations: a model field leads to its type, a list/dict step (an index or a
    free-form key such as a group's name) leads to the element type, Optional/Union to the
    first model among its members."""
    current: Any = model
    for part in path:
        model_cls = _model_in(current)
        if model_cls is not None and isinstance(part, str) and part in model_cls.model_fields:
            current = model_cls.model_fields[part].annotation
            continue
        element = _element_of(current)
        if element is None:
            return []
        current = element
    found = _model_in(current)
    return [f.alias or name for name, f in found.model_fields.items()] if found else []


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if getattr(annotation, "__origin__", None) in (list, dict, tuple):
        return None
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def _element_of(annotation: Any) -> Any:
    """The element type of list[X] / dict[K, X] (looking through Optional), or None."""
    origin = getattr(annotation, "__origin__", None)
    args = getattr(annotation, "__args__", ()) or ()
    if origin is list and args:
        return args[0]
    if origin is dict and len(args) == 2:
        return args[1]
    for arg in args:
        inner = _element_of(arg)
        if inner is not None:
            return inner
    return None


def _message(err: dict[str, Any], model: type[BaseModel], path: Path) -> str:
    kind = err["type"]
    if kind == "extra_forbidden":
        key = str(path[-1]) if path else "?"
        options = _model_fields_at(model, path[:-1])
        close = difflib.get_close_matches(key, options, n=1, cutoff=0.6)
        hint = f"; did you mean '{close[0]}'?" if close else (
            f"; known keys: {', '.join(sorted(options))}" if options else "")
        return f"unknown key '{key}'{hint}"
    if kind == "missing":
        return "required field is missing"
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if "input" in err and kind not in ("missing",) and not names_a_secret(path):
        shown = err["input"]
        if isinstance(shown, (str, int, float, bool)) and len(str(shown)) < 60:
            msg = f"invalid value {shown!r}: {msg}"
    return msg


def schema_problems(model: type[BaseModel], exc: pydantic.ValidationError, positions: Positions,
                    file: str) -> list[ConfigProblem]:
    """Every error of one validation, located in the file, values of secret fields withheld."""
    problems = []
    for err in exc.errors(include_url=False):
        path: Path = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
        # pydantic puts union/tagged member names in loc; drop parts that are not in the document
        path = _document_path(path, positions)
        line, col = positions.of(path, key=err["type"] in ("extra_forbidden", "missing"))
        problems.append(ConfigProblem(line, col, dotted(path), _message(err, model, path), file))
    return problems


def _document_path(path: Path, positions: Positions) -> Path:
    known = set(positions.nodes) | set(positions.keys)
    out: list[str | int] = []
    for part in path:
        candidate = (*out, part)
        if candidate in known or not known or isinstance(part, int):
            out.append(part)
        elif isinstance(part, str) and any(k[: len(candidate)] == candidate for k in known):
            out.append(part)
        elif isinstance(part, str) and len(out) == len(path) - 1:
            out.append(part)  # the leaf itself (a missing or unknown key)
    return tuple(out)


@dataclass(frozen=True)
class Loaded(Generic[M]):
    """One parsed config file: its model, where each node sits, and the problems found so far.

    While `problems` holds schema errors, `model` is a *partial* model (see `partial`): the
    parts that validated, with None wherever a value (a section, a list item, a dict entry)
    did not. Cross-checks are functions of a Loaded and must skip None parts, so a schema
    error in one part never hides the cross-checks of the others."""

    model: M
    positions: Positions
    file: str
    problems: tuple[ConfigProblem, ...] = field(default=())

    def at(self, path: Path, message: str, *, key: bool = False) -> ConfigProblem:
        """A problem located at `path` of this file (at its key rather than its value if `key`)."""
        line, col = self.positions.of(path, key=key)
        return ConfigProblem(line, col, dotted(path), message, self.file)

    def checked(self, *checks: Check[M]) -> Loaded[M]:
        """This file with the problems each cross-check finds added."""
        found = [p for check in checks for p in check(self)]
        return replace(self, problems=(*self.problems, *found)) if found else self

    def valid(self) -> M:
        """The model, or ConfigError with every problem found."""
        if self.problems:
            raise ConfigError(list(self.problems))
        return self.model


Check = Callable[[Loaded[M]], Iterable[ConfigProblem]]


def partial(model: type[M], data: Any) -> M | None:
    """The parts of `data` that validate against `model`, built without re-validation.

    A field that fails is rebuilt part by part: a nested model field by field, a list item by
    item and a dict entry by entry (a failing item or entry becomes None, so indexes and keys
    still match the file); anything else becomes None. A model whose required field is missing
    is None as a whole."""
    if not isinstance(data, dict):
        return None
    values: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        if key not in data:
            if info.is_required():
                return None
            continue
        values[name] = _partial_value(info.annotation, data[key])
    return model.model_construct(**values)


def _partial_value(annotation: Any, value: Any) -> Any:
    try:
        return pydantic.TypeAdapter(annotation).validate_python(value)
    except pydantic.ValidationError:
        pass
    inner = _strip_optional(annotation)
    origin = typing.get_origin(inner)
    element = _element_of(inner)
    if origin is list and isinstance(value, list) and element is not None:
        return [_partial_value(element, item) for item in value]
    if origin is dict and isinstance(value, dict) and element is not None:
        return {str(k): _partial_value(element, v) for k, v in value.items()}
    if isinstance(inner, type) and issubclass(inner, BaseModel) and isinstance(value, dict):
        return partial(inner, value)
    return None


def _strip_optional(annotation: Any) -> Any:
    """X for `X | None`; the annotation itself otherwise."""
    args = typing.get_args(annotation)
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def validate(model: type[M], data: Any, positions: Positions, file: str) -> Loaded[M]:
    """Validate parsed data: the model, or a partial one with every schema problem."""
    try:
        return Loaded(model.model_validate(data), positions, file)
    except pydantic.ValidationError as exc:
        problems = schema_problems(model, exc, positions, file)
        rebuilt = partial(model, data)
        return Loaded(rebuilt if rebuilt is not None else model.model_construct(), positions, file, tuple(problems))


def parse_file(file: str | FsPath, text: str | None = None) -> tuple[dict[str, Any], Positions]:
    """Read and parse one YAML config file: its top mapping and where each node sits.

    An unreadable file, a YAML syntax error or a top that is not a mapping leaves nothing to
    check further and is raised as ConfigError at once."""
    name = str(file)
    if text is None:
        try:
            text = FsPath(file).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError([ConfigProblem(1, 1, "", f"cannot read file: {exc.strerror}", name)]) from None
        except UnicodeDecodeError:
            raise ConfigError([ConfigProblem(1, 1, "", "file is not valid UTF-8", name)]) from None
    try:
        data, positions = load_yaml(text)
    except YamlSyntaxError as exc:
        raise ConfigError([ConfigProblem(exc.line, exc.column, "", exc.message, name)]) from None
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(1, 1, "", "the file must hold a mapping of keys at the top", name)])
    return data, positions


def read_file(model: type[M], file: str | FsPath, text: str | None = None) -> Loaded[M]:
    """Parse and validate one config file, keeping schema problems in the result (see Loaded)."""
    data, positions = parse_file(file, text)
    return validate(model, data, positions, str(file))


def load_file(model: type[M], file: str | FsPath, text: str | None = None, checks: Iterable[Check[M]] = ()) -> Loaded[M]:
    """Read, validate and cross-check one config file; raise ConfigError with every problem."""
    loaded = read_file(model, file, text).checked(*checks)
    loaded.valid()
    return loaded

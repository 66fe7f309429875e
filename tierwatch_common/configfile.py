"""Turning a YAML file into a typed, immutable config model, or into every problem at once.

Errors read ``FILE:LINE:COL: path: message`` and are sorted by line, so an operator
can fix a whole file in one pass. Values are never echoed for secret fields.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path as FsPath
from typing import Any, TypeVar

import pydantic
from pydantic import BaseModel, ConfigDict

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
    if "input" in err and kind not in ("missing",) and not _is_secret_path(path):
        shown = err["input"]
        if isinstance(shown, (str, int, float, bool)) and len(str(shown)) < 60:
            msg = f"invalid value {shown!r}: {msg}"
    return msg


SECRET_WORDS = ("token", "community", "auth_key", "priv_key", "password", "secret")


def _is_secret_path(path: Path) -> bool:
    return any(isinstance(p, str) and any(w in p for w in SECRET_WORDS) for p in path)


def validate(model: type[M], data: Any, positions: Positions, file: str) -> M:
    """Validate loaded data against `model`; raise ConfigError listing every problem."""
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            path: Path = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            # pydantic puts union/tagged member names in loc; drop parts that are not in the document
            path = _document_path(path, positions)
            line, col = positions.of(path, key=err["type"] in ("extra_forbidden", "missing"))
            problems.append(ConfigProblem(line, col, dotted(path), _message(err, model, path), file))
        raise ConfigError(problems) from None


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


def load_file(model: type[M], file: str | FsPath, text: str | None = None) -> M:
    """Read, parse and validate one config file; every problem is raised as ConfigError."""
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
    return validate(model, data, positions, name)

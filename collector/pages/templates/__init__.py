"""Jinja2 templates of the pages and reports (autoescaped HTML, shipped as package data)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jinja2

HERE = Path(__file__).resolve().parent


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    return env


def render(name: str, context: dict[str, Any]) -> str:
    return environment().get_template(name).render(**context)

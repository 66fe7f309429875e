"""Write the Grafana dashboards, in English and in French, from their one definition (dashboards/src/).

    python -m dashboards.generate           # writes dashboards/en/*.json and dashboards/fr/*.json
    python -m dashboards.generate --check   # exits 1 and names the stale files if they differ

`make dashboards` runs the first; a test runs the second, so the committed JSON is always what the
definition says. Edit dashboards/src/*.py, never the JSON.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import sys
from pathlib import Path
from typing import Any

from dashboards import src
from dashboards.kit import LANGS, render

HERE = Path(__file__).resolve().parent


def definitions() -> dict[str, dict[str, Any]]:
    return {m.name: importlib.import_module(f"dashboards.src.{m.name}").DASHBOARD
            for m in sorted(pkgutil.iter_modules(src.__path__), key=lambda m: m.name)}


def outputs() -> dict[Path, str]:
    files = {}
    for name, definition in definitions().items():
        for lang in LANGS:
            text = json.dumps(render(definition, lang), indent=2, ensure_ascii=False) + "\n"
            files[HERE / lang / f"{name}.json"] = text
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the files instead of writing them")
    args = parser.parse_args(argv)
    files = outputs()
    wanted = set(files)
    present = {p for lang in LANGS for p in (HERE / lang).glob("*.json")}
    if args.check:
        stale = sorted(str(p.relative_to(HERE.parent)) for p, text in files.items()
                       if not p.is_file() or p.read_text() != text)
        extra = sorted(str(p.relative_to(HERE.parent)) for p in present - wanted)
        for p in stale:
            print(f"stale: {p} (run: python -m dashboards.generate)", file=sys.stderr)
        for p in extra:
            print(f"not generated: {p} (remove it or give it a definition in dashboards/src/)", file=sys.stderr)
        return 1 if stale or extra else 0
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    for path in present - wanted:
        path.unlink()
    print(f"wrote {len(files)} dashboards to {HERE / 'en'} and {HERE / 'fr'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

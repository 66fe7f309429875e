"""The dashboards are generated from one Python definition, in English and in French."""

from __future__ import annotations

import json
import re
from pathlib import Path

from dashboards.generate import main as generate, outputs

ROOT = Path(__file__).resolve().parents[2]
SAME_IN_BOTH = {"PDU", "UPS", "__auto", "Agents", "Service", "Site", "Services"}   # the same word in French
WORDS = re.compile(r"[A-Za-zÀ-ÿ]{3,}")


def test_regenerating_the_dashboards_gives_the_committed_json_byte_for_byte():
    assert generate(["--check"]) == 0, "run: python -m dashboards.generate"
    again = outputs()
    assert again == outputs(), "generation is deterministic"


def texts(panel: dict) -> list[str]:
    return [panel.get("title", ""), panel.get("description", "")] + [
        t.get("legendFormat", "") for t in panel.get("targets", [])]


def test_both_languages_show_the_same_queries_and_the_french_titles_are_french():
    for en_path in sorted((ROOT / "dashboards" / "en").glob("*.json")):
        en = json.loads(en_path.read_text())
        fr = json.loads((ROOT / "dashboards" / "fr" / en_path.name).read_text())
        assert fr["uid"] == en["uid"] + "-fr" and "fr" in fr["tags"] and "en" in en["tags"]
        assert len(en["panels"]) == len(fr["panels"])
        untranslated = []
        for a, b in zip(en["panels"], fr["panels"]):
            assert [t["expr"] for t in a.get("targets", [])] == [t["expr"] for t in b.get("targets", [])]
            assert a["gridPos"] == b["gridPos"] and a["type"] == b["type"]
            for x, y in zip(texts(a), texts(b)):
                if WORDS.search(re.sub(r"\{\{[^}]*\}\}|\$\w+", "", x)) and x == y and x not in SAME_IN_BOTH:
                    untranslated.append(x)
        assert not untranslated, f"{en_path.name}: not translated: {untranslated}"
        assert en["title"] != fr["title"] and en["description"] != fr["description"]

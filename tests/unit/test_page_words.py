"""French and English words and number formats of the pages and reports."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest

from collector.pages.i18n import TEXT, Words, pick_lang


@pytest.mark.parametrize(("query", "cookie", "accept", "lang"), [
    (None, None, "fr-ML,fr;q=0.9,en;q=0.8", "fr"),
    (None, None, "en-US,en;q=0.9,fr;q=0.8", "en"),
    (None, None, "de-DE,en;q=0.3,fr;q=0.7", "fr"),
    (None, None, "", "fr"),
    ("en", "fr", "fr", "en"),
    (None, "en", "fr", "en"),
    ("xx", None, "en", "en"),
])
def test_the_language_is_the_explicit_choice_then_the_cookie_then_the_best_browser_preference(query, cookie, accept, lang):
    assert pick_lang(query, cookie, accept) == lang


def test_french_figures_use_a_decimal_comma_and_a_narrow_space_before_percent():
    fr, en = Words("fr"), Words("en")
    assert fr.percent(0.99982) == "99,982\u202f%"
    assert en.percent(0.99982) == "99.982%"
    assert fr.number(1234567.891, 2) == "1\u202f234\u202f567,89"
    assert en.number(1234567.891, 2) == "1,234,567.89"
    assert fr.percent(None) == "pas de données" and en.percent(None) == "no data"


@pytest.mark.parametrize(("seconds", "fr", "en"), [
    (466.56, "7 min 47 s", "7 min 47 s"), (5676, "1 h 34 min", "1 h 34 min"), (12, "12 s", "12 s"),
    (3 * 86400 + 4 * 3600 + 5, "3 j 4 h", "3 d 4 h"), (-90, "-1 min 30 s", "-1 min 30 s"), (3600, "1 h", "1 h")])
def test_durations_read_as_a_noc_writes_them(seconds, fr, en):
    assert Words("fr").duration(seconds) == fr
    assert Words("en").duration(seconds) == en


def test_dates_are_shown_in_the_site_time_zone_in_each_language_order():
    t = 1764616800.0                     # 2025-12-01 19:20:00 UTC
    assert Words("fr", ZoneInfo("Africa/Bamako")).when(t) == "01/12/2025 19:20:00"
    assert Words("en", ZoneInfo("Europe/Paris")).when(t) == "2025-12-01 20:20:00"


def test_every_text_has_both_languages_and_the_french_is_not_the_english_copied():
    same = [k for k, (fr, en) in TEXT.items() if fr == en and k not in {"service", "services", "incidents", "summary"}]
    assert all(fr.strip() and en.strip() for fr, en in TEXT.values())
    assert not same, f"untranslated: {same}"


def test_a_long_group_rule_is_cut_after_its_first_members_with_how_many_more():
    from collector.pages.status import short_rule
    assert short_rule("any_of [pdu-a, pdu-b]", 2) == "any_of [pdu-a, pdu-b]"
    names = [f"rack-{i:02d}-power" for i in range(14)]
    cut = short_rule(f"all_of [{', '.join(names)}]", 14)
    assert cut.startswith("all_of [rack-00-power, ") and len(cut) <= 90 and cut.endswith("]")
    shown = cut.count("-power")
    assert cut.endswith(f"… +{14 - shown}]")

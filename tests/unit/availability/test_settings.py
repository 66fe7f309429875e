"""The availability section of the config: defaults, windows, groups and their errors."""

from __future__ import annotations

import pytest

from collector.availability.groups import GroupGraph
from collector.availability.settings import AvailabilitySettings
from collector.availability.windows import WindowClock
from tierwatch_common.configfile import ConfigError, load_file


def load(text: str) -> AvailabilitySettings:
    return load_file(AvailabilitySettings, "availability.yaml", text=text).model


def test_the_defaults_are_the_tier_iii_slo_and_the_seven_standard_windows() -> None:
    settings = AvailabilitySettings()
    assert settings.slo == 0.99982
    assert [w.name for w in settings.windows] == ["1h", "1d", "7d", "30d", "365d", "month", "year"]
    assert settings.policy_for("any").unknown_time == "excluded"
    assert settings.policy_for("any").maintenance_time == "excluded"


def test_a_service_override_keeps_the_defaults_it_does_not_set() -> None:
    settings = load("unknown_time: down\nservices:\n  ups-a: {slo: 0.9999}\n")
    policy = settings.policy_for("ups-a")
    assert (policy.objective, policy.unknown_time) == (0.9999, "down")


def test_a_group_cycle_is_an_error_that_names_the_cycle() -> None:
    with pytest.raises(ConfigError) as err:
        load("groups:\n  room: {all_of: [rack, crac-1]}\n  rack: {any_of: [room, pdu-a]}\n")
    assert "availability.yaml:2:" in str(err.value)
    assert "cycle: room → rack → room" in str(err.value)


def test_groups_are_ordered_so_that_every_group_comes_after_the_groups_it_contains() -> None:
    settings = load("groups:\n  site: {all_of: [hall-1, hall-2]}\n  hall-1: {all_of: [rack-1, crac-1]}\n"
                    "  rack-1: {any_of: [pdu-a, pdu-b]}\n  hall-2: {any_of: [rack-1, rack-2]}\n"
                    "  rack-2: {any_of: [pdu-c, pdu-d]}\n")
    order = GroupGraph(settings.groups).order
    assert sorted(order) == ["hall-1", "hall-2", "rack-1", "rack-2", "site"]
    for name, spec in settings.groups.items():
        assert all(order.index(m) < order.index(name) for m in spec.members if m in settings.groups), (name, order)


def test_an_unknown_group_kind_is_an_error_at_its_line() -> None:
    with pytest.raises(ConfigError) as err:
        load("groups:\n  power:\n    one_of: [pdu-a, pdu-b]\n")
    assert "availability.yaml:3:5: groups.power.one_of: unknown key 'one_of'" in str(err.value)


def test_at_least_more_than_the_members_is_an_error() -> None:
    with pytest.raises(ConfigError) as err:
        load("groups:\n  cooling: {at_least: 5, of: [crac-1, crac-2]}\n")
    assert "more than the 2 members" in str(err.value)


def test_a_window_needs_exactly_one_kind() -> None:
    with pytest.raises(ConfigError) as err:
        load("windows:\n  - {name: x, rolling: 1h, calendar: month}\n")
    assert "window 'x' needs exactly one of 'rolling' or 'calendar'" in str(err.value)


def test_window_names_are_unique() -> None:
    with pytest.raises(ConfigError) as err:
        load("windows:\n  - {name: y, rolling: 2h}\n  - {name: y, calendar: year}\n")
    assert "repeated: y" in str(err.value)


def test_an_unknown_time_zone_is_an_error() -> None:
    with pytest.raises(ConfigError) as err:
        load("timezone: Europe/Pariss\n")
    assert "unknown time zone 'Europe/Pariss'" in str(err.value)


def test_a_maintenance_window_must_end_after_it_starts() -> None:
    with pytest.raises(ConfigError) as err:
        load("maintenance:\n  - {services: [crac-1], start: 2026-01-02T10:00, end: 2026-01-02T09:00, reason: x}\n")
    assert "'end' must be after 'start'" in str(err.value)


def test_calendar_windows_follow_the_configured_time_zone_across_daylight_saving() -> None:
    settings = load("timezone: Europe/Paris\nwindows:\n  - {name: day, calendar: day}\n"
                    "  - {name: month, calendar: month}\n")
    clock = WindowClock(settings.windows, settings.zone)
    frame = clock.frame(1774746000.0)            # 2026-03-29 03:00 Paris, the day clocks go forward
    assert frame.periods[0] == 23 * 3600
    assert frame.starts[1] == 1772319600.0       # 2026-03-01 00:00 +01:00
    assert frame.periods[1] == 31 * 86400 - 3600

"""Profile files: the bundled ones load, and mistakes are reported with file, line and what is wrong."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from agent.profiles.loader import BUNDLED_DIR, load_profiles
from tierwatch_common.configfile import ConfigError

GOOD = """\
name: test-ups
description: a small test profile
detect:
  sys_object_id: [1.3.6.1.4.1.99999]
scalars:
  - name: ups_battery_charge_ratio
    oid: 1.3.6.1.2.1.33.1.2.4.0   # upsEstimatedChargeRemaining.0
    help: charge (UPS-MIB upsEstimatedChargeRemaining)
    convert: percent_to_ratio
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_every_bundled_profile_loads():
    profiles = load_profiles()
    assert {"ups-mib", "apc-rpdu", "apc-ups", "raritan-pdu2", "liebert-env", "host-resources", "ucd-snmp",
            "if-mib"} <= set(profiles.names())
    assert len(list(BUNDLED_DIR.glob("*.yaml"))) == len(profiles)


def test_every_oid_line_in_the_bundled_profiles_names_its_mib_object():
    for path in BUNDLED_DIR.glob("*.yaml"):
        for n, line in enumerate(path.read_text().splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith(("oid:", "- 1.3.6", "- oid:")) or "sys_object_id:" in stripped and "1.3" in stripped:
                assert "#" in line, f"{path.name}:{n}: OID without a comment naming its MIB object"


def test_a_valid_profile_directory_adds_to_the_bundled_profiles(tmp_path):
    write(tmp_path, "test.yaml", GOOD)
    profiles = load_profiles([tmp_path])
    assert "test-ups" in profiles and "ups-mib" in profiles


def test_every_mistake_in_every_file_is_reported_at_once_with_its_line(tmp_path):
    write(tmp_path, "a.yaml", GOOD.replace("convert: percent_to_ratio", "convert: percent_to_ration"))
    write(tmp_path, "b.yaml", GOOD.replace("name: test-ups", "name: other").replace("    help:", "    hlep:"))
    with pytest.raises(ConfigError) as caught:
        load_profiles([tmp_path], bundled=False)
    text = str(caught.value)
    assert f"{tmp_path / 'a.yaml'}:9:14: scalars[0].convert:" in text
    assert f"{tmp_path / 'b.yaml'}:8:5: scalars[0].hlep: unknown key 'hlep'; did you mean 'help'?" in text


def test_the_metric_prefix_is_added_by_the_agent_not_written_in_profiles(tmp_path):
    write(tmp_path, "a.yaml", GOOD.replace("name: ups_battery", "name: tierwatch_ups_battery"))
    with pytest.raises(ConfigError, match=r"a.yaml:6:\d+: scalars\[0\].name: .*without the 'tierwatch_' prefix"):
        load_profiles([tmp_path], bundled=False)


def test_a_ratio_conversion_needs_a_ratio_name(tmp_path):
    write(tmp_path, "a.yaml", GOOD.replace("ups_battery_charge_ratio", "ups_battery_charge_percent"))
    with pytest.raises(ConfigError, match="name must end in _ratio"):
        load_profiles([tmp_path], bundled=False)


def test_a_health_rule_naming_an_unknown_state_points_at_its_line(tmp_path):
    write(tmp_path, "a.yaml", GOOD + """\
  - name: ups_output_source_state
    oid: 1.3.6.1.2.1.33.1.4.1.0   # upsOutputSource.0
    help: source (UPS-MIB upsOutputSource)
    enum: {3: normal, 5: battery}
health:
  critical:
    - metric: ups_output_source_state
      states: [battery, onFire]
""")
    with pytest.raises(ConfigError) as caught:
        load_profiles([tmp_path], bundled=False)
    assert len(caught.value.problems) == 1
    problem = caught.value.problems[0]
    assert (problem.line, problem.path) == (17, "health.critical[0].states[1]")
    assert "unknown state 'onFire'; 'ups_output_source_state' has: normal, battery" in problem.message


def test_where_must_name_an_index_or_lookup_label(tmp_path):
    write(tmp_path, "a.yaml", """\
    name: t
    description: table test
    tables:
      - name: someTable
        index: [{label: line}]
        metrics:
          - name: x_volts
            oid: 1.3.6.1.4.1.99999.1.2   # someColumn
            help: some column
            where: {phase: "1"}
    """)
    with pytest.raises(ConfigError, match=r"a.yaml:10:\d+: tables\[0\].metrics\[0\].where.phase: unknown label 'phase'"):
        load_profiles([tmp_path], bundled=False)


def test_two_profiles_may_not_claim_the_same_sys_object_id_prefix(tmp_path):
    write(tmp_path, "a.yaml", GOOD)
    write(tmp_path, "b.yaml", GOOD.replace("name: test-ups", "name: test-ups-2"))
    with pytest.raises(ConfigError, match="also claimed by profile 'test-ups'"):
        load_profiles([tmp_path], bundled=False)


def test_a_missing_profile_directory_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="profile directory does not exist"):
        load_profiles([tmp_path / "nope"], bundled=False)


def test_vendor_family_and_mib_are_optional_text_kept_for_the_devices_table(tmp_path):
    write(tmp_path, "plain.yaml", GOOD)
    write(tmp_path, "described.yaml", GOOD.replace("name: test-ups", "name: described").replace(
        "description: a small test profile",
        "description: a small test profile\nvendor: Acme\nfamily: Tiny UPS\nmib: ACME-UPS-MIB").replace(
        "1.3.6.1.4.1.99999", "1.3.6.1.4.1.99998"))
    profiles = load_profiles([tmp_path], bundled=False)
    assert (profiles["test-ups"].vendor, profiles["test-ups"].family, profiles["test-ups"].mib) == (None, None, None)
    assert (profiles["described"].vendor, profiles["described"].family, profiles["described"].mib) == (
        "Acme", "Tiny UPS", "ACME-UPS-MIB")


def test_index_parts_may_share_a_label_only_when_they_are_next_to_each_other(tmp_path):
    table = """\
    tables:
      - name: probeTable
        index: [{label: sensor_id}, {label: %s}, {label: sensor_id}]
        metrics:
          - {name: environment_temperature_celsius, oid: 1.3.6.1.4.1.99999.2.1.6, help: temp}  # probeTemp
    """
    base = "name: t\ndescription: test probes\n"
    write(tmp_path, "joined.yaml", base + textwrap.dedent(table % "sensor_id").replace("}, {label: sensor_id}]", "}]"))
    assert [p.label for p in load_profiles([tmp_path], bundled=False)["t"].tables[0].index] == ["sensor_id"] * 2
    write(tmp_path, "joined.yaml", base + textwrap.dedent(table % "port"))
    with pytest.raises(ConfigError, match="label names repeated: sensor_id"):
        load_profiles([tmp_path], bundled=False)

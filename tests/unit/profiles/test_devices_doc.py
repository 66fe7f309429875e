"""docs/devices.md is the supported-devices table generated from the bundled profiles."""

from __future__ import annotations

from pathlib import Path

from agent.profiles.doc import main, render
from agent.profiles.loader import load_profiles
from agent.profiles.model import Profile

DOC = Path(__file__).resolve().parents[3] / "docs" / "devices.md"


def test_docs_devices_md_is_what_the_profiles_generate_run_make_docs_if_not():
    assert DOC.read_text(encoding="utf-8") == render(load_profiles()), "docs/devices.md is stale: run `make docs`"


def test_every_bundled_profile_has_a_row_with_its_vendor_mib_and_health_rule():
    text = DOC.read_text(encoding="utf-8")
    rows = {line.split(" | ")[3].strip("`"): line for line in text.splitlines() if line.startswith("| ") and "`" in line}
    for p in load_profiles():
        assert p.name in rows, f"no row for {p.name}"
        assert p.vendor in rows[p.name] and p.mib in rows[p.name]


def test_a_row_names_detection_metrics_with_labels_and_the_health_rule():
    p = Profile.model_validate({
        "name": "acme-ups", "description": "Acme UPS", "vendor": "Acme", "family": "Tiny | UPS", "mib": "ACME-MIB",
        "labels": {"device_class": "ups"}, "detect": {"sys_object_id": ["1.3.6.1.4.1.99999"]},
        "scalars": [{"name": "ups_output_source_state", "oid": "1.3.6.1.4.1.99999.1.0", "help": "source",
                     "enum": {"1": "normal", "2": "battery", "3": "none"}}],
        "tables": [{"name": "lineTable", "index": [{"label": "line"}],
                    "metrics": [{"name": "ups_output_voltage_volts", "oid": "1.3.6.1.4.1.99999.2.1.2", "help": "voltage"}]}],
        "health": {"critical": [{"metric": "ups_output_source_state", "states": ["none"]}],
                   "degraded": [{"metric": "ups_output_voltage_volts", "below": 200}]},
    })
    text = render([p])
    assert "## UPS" in text
    assert ("| Acme | Tiny \\| UPS | ACME-MIB | `acme-ups` | sysObjectID 1.3.6.1.4.1.99999 | "
            "`ups_output_source_state`; `ups_output_voltage_volts` by line | "
            "**down** when `ups_output_source_state` in {none}; "
            "**degraded** when `ups_output_voltage_volts` < 200 |") in text


def test_the_check_mode_fails_on_a_stale_file_and_passes_on_a_fresh_one(tmp_path, capsys):
    stale = tmp_path / "devices.md"
    stale.write_text("# old\n")
    assert main(["--check", str(stale)]) == 1
    assert "make docs" in capsys.readouterr().err
    assert main(["--output", str(stale)]) == 0
    assert main(["--check", str(stale)]) == 0

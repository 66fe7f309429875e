"""config/demo is derived from the hall file, passes check-config, and carries the hall's redundancy."""

from __future__ import annotations

from pathlib import Path

import yaml

from agent.loading import load_agent_setup
from collector.config import load_collector_config
from tierwatch_demo.derive import collector_config, groups, write_all
from tierwatch_demo.spec import load_hall

DEMO = Path(__file__).resolve().parents[3] / "config" / "demo"


def test_the_committed_demo_configs_are_what_the_hall_file_derives(tmp_path):
    spec = load_hall(DEMO / "hall.yaml")
    written = write_all(spec, tmp_path)
    for path in written.values():
        committed = DEMO / path.name
        assert committed.read_text() == path.read_text(), f"run `tierwatch-demo configs --out config/demo` ({path.name})"
    assert sorted(p.name for p in DEMO.glob("*.yaml") if p.name != "hall.yaml") == sorted(p.name for p in written.values())


def test_every_demo_config_passes_the_checks_of_check_config():
    agents = sorted(DEMO.glob("agent-*.yaml"))
    assert len(agents) >= 2
    targets = []
    for path in agents:
        config, profiles = load_agent_setup(path)
        targets += [t.name for t in config.targets]
        assert len(profiles) > 0
    assert len(targets) == len(set(targets))            # each device polled by exactly one agent
    load_collector_config(DEMO / "collector.yaml")


def test_the_hall_groups_are_rack_power_any_of_cooling_n_of_n_plus_1_and_ups_2n():
    spec = load_hall(DEMO / "hall.yaml")
    g = groups(spec)
    for rack in spec.racks:
        assert g[f"rack-{rack.name}-power"] == {"any_of": [f"pdu-{rack.name}-a", f"pdu-{rack.name}-b"]}
    units = [u.name for u in spec.cooling.units]
    assert g["hall-1-cooling"] == {"at_least": len(units) - 1, "of": units}
    assert g["ups-2n"] == {"any_of": ["ups-a", "ups-b"]}
    assert set(g["hall-1"]["all_of"]) == {"hall-1-power", "hall-1-cooling"}
    cfg = yaml.safe_load(yaml.safe_dump(collector_config(spec)))
    assert set(cfg["agents"]) == {a.name for a in spec.agents}

"""The topology tests' hall (tests/data/topology-hall.yaml): two utility feeds, one generator,
two UPS (2N), ten racks r01..r10 with an A and a B PDU (r10 on UPS B by both cords), four CRACs."""

from __future__ import annotations

from pathlib import Path

HALL_FILE = Path(__file__).resolve().parents[1] / "data" / "topology-hall.yaml"
RACKS = [f"r{i:02d}" for i in range(1, 11)]

"""The availability engine's words, each defined once: what kinds of service there are, which
states a service can be in, and the one way a state is named — in the JSON API, on ``/metrics``,
in logs and in the reasons the engine gives.

States are small ints (they index the per-bucket time vectors, see ``timeline``); their names
are label values that Prometheus rules and dashboards query: ``ok``, ``degraded``, ``down``,
``unknown``, plus ``maintenance``. *Up* is not a state: it is ok or degraded, what availability
counts as good time (``up / (up + down)``).
"""

from __future__ import annotations

# Service kinds
TARGET = "target"
GROUP = "group"

# States (a target's from its poll outcomes, a group's from its members')
OK, DEGRADED, DOWN, UNKNOWN = 0, 1, 2, 3
UP_STATES = (OK, DEGRADED)
STATE_NAMES = ("ok", "degraded", "down", "unknown")
MAINTENANCE = "maintenance"

# Label values of the state families: one series per word, 1 for the current one.
SERVICE_STATES = (*STATE_NAMES, MAINTENANCE)    # tierwatch_service_state
GROUP_STATES = STATE_NAMES                      # tierwatch_group_state (redundancy, maintenance aside)


def state_name(state: int) -> str:
    """The word for a state; a service with no transition yet (state -1) is unknown."""
    return STATE_NAMES[state] if state >= 0 else STATE_NAMES[UNKNOWN]


def state_label(kind: str, state: int, maint: bool) -> str:
    """The current state of a service as the API and ``/metrics`` both name it.

    ``maintenance`` for a target under declared maintenance, and for a group that is not up
    because of maintenance; a group still up while members are worked on keeps its own state
    (``degraded``, typically): its members show the maintenance.
    """
    if maint and (kind != GROUP or state not in UP_STATES):
        return MAINTENANCE
    return state_name(state)

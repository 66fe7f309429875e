"""Every metric and label name the availability engine exposes, in one place.

Base units (seconds), ``_total`` for counters, ``_ratio`` for 0–1 fractions. Counter
constants carry the exposed name, ``_total`` included; prometheus_client keeps it.
"""

from __future__ import annotations

PREFIX = "tierwatch_"

# Labels
LABEL_SERVICE = "service"
LABEL_GROUP = "group"
LABEL_WINDOW = "window"
LABEL_STATE = "state"
LABEL_KIND = "kind"

# Label values
KIND_PLANNED = "planned"
KIND_UNPLANNED = "unplanned"
# the state words (label values of SERVICE_STATE and GROUP_STATE) are in vocabulary.py

# Current state, one series per state, 1 for the current one
SERVICE_STATE = PREFIX + "service_state"
GROUP_STATE = PREFIX + "group_state"
GROUP_WARNING = PREFIX + "group_member_warning"   # 1 while a member up reports a health warning

# Monotonic counters, exact up to each service's settled instant
SERVICE_UP_SECONDS = PREFIX + "service_up_seconds_total"
SERVICE_DEGRADED_SECONDS = PREFIX + "service_degraded_seconds_total"
SERVICE_DOWN_SECONDS = PREFIX + "service_down_seconds_total"
SERVICE_UNKNOWN_SECONDS = PREFIX + "service_unknown_seconds_total"
SERVICE_MAINTENANCE_SECONDS = PREFIX + "service_maintenance_seconds_total"
SERVICE_PLANNED_DOWN_SECONDS = PREFIX + "service_planned_down_seconds_total"

# Per service and window
SERVICE_AVAILABILITY = PREFIX + "service_availability_ratio"
SERVICE_DOWNTIME = PREFIX + "service_downtime_seconds"
SERVICE_WINDOW_UNKNOWN = PREFIX + "service_window_unknown_seconds"
SERVICE_WINDOW_MAINTENANCE = PREFIX + "service_window_maintenance_seconds"
SERVICE_BUDGET_ALLOWED = PREFIX + "service_error_budget_allowed_seconds"
SERVICE_BUDGET_REMAINING = PREFIX + "service_error_budget_remaining_seconds"
SERVICE_BUDGET_REMAINING_RATIO = PREFIX + "service_error_budget_remaining_ratio"
SERVICE_BURN_RATE = PREFIX + "service_error_budget_burn_rate"
SERVICE_SLO = PREFIX + "service_slo_objective_ratio"

# Per group and window
GROUP_REDUNDANCY = PREFIX + "group_redundancy_ratio"

# Self-metrics
ENGINE_COMPUTE_SECONDS = PREFIX + "availability_compute_duration_seconds"
ENGINE_TRANSITIONS = PREFIX + "availability_transitions"
ENGINE_SERVICES = PREFIX + "availability_services"
ENGINE_REPAIRED = PREFIX + "availability_repaired_outcomes_total"
ENGINE_UNREPAIRABLE = PREFIX + "availability_unrepairable_outcomes_total"

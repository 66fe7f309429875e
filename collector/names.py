"""Metric and label names the collector exposes about itself and its targets (one place for all),
and the names of the state databases it keeps in `state_dir`."""

# Labels the collector adds to every pushed series (shared with the agent, which may not use them).
from tierwatch_common.vocabulary import LABEL_AGENT, LABEL_TARGET  # noqa: F401

PREFIX = "tierwatch_"

# The state databases in state_dir (backup/restore copies every one of STATE_FILES).
AVAILABILITY_DB, LEDGER_DB, AUDIT_DB = "availability.sqlite", "ledger.sqlite", "audit.sqlite"
STATE_FILES = (AVAILABILITY_DB, LEDGER_DB, AUDIT_DB)

# Per-target series derived from poll outcomes.
TARGET_UP = "tierwatch_target_up"
TARGET_HEALTH = "tierwatch_target_health"
TARGET_POLL_DURATION = "tierwatch_target_poll_duration_seconds"
TARGET_POLL_STATUS = "tierwatch_target_poll_status"
TARGET_LAST_POLL = "tierwatch_target_last_poll_timestamp_seconds"
TARGET_READINGS = "tierwatch_target_poll_readings"
TARGET_VARBINDS = "tierwatch_target_poll_varbinds"

# Collector self-metrics.
BATCHES = "tierwatch_collector_batches"  # counter: _total added by prometheus-client
READINGS = "tierwatch_collector_readings"
LIVE_SERIES = "tierwatch_collector_live_series"
LIVE_SERIES_LIMIT = "tierwatch_collector_live_series_limit"  # series.max_live
EXPIRED_SERIES = "tierwatch_collector_expired_series"
INGEST_LATENCY = "tierwatch_collector_ingest_duration_seconds"
AGENT_LAST_SEEN = "tierwatch_collector_agent_last_batch_timestamp_seconds"
AGENT_CLOCK_OFFSET = "tierwatch_collector_agent_clock_offset_seconds"
BUILD_INFO = "tierwatch_collector_build"

# State databases (ledger, availability store, audit log): see collector/statehealth.py.
STATE_WRITE_ERRORS = "tierwatch_collector_state_write_errors"  # counter: _total added by prometheus-client
STATE_DEGRADED = "tierwatch_collector_state_degraded"
STATE_UNWRITTEN = "tierwatch_collector_state_unwritten_records"

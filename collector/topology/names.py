"""Every metric and label name the topology exposes, in one place."""

from __future__ import annotations

PREFIX = "tierwatch_"

FAILOVER = PREFIX + "rack_failover_load_ratio"
AFTER_LOSS = PREFIX + "capacity_after_loss_load_ratio"
LOAD_WATTS = PREFIX + "capacity_load_watts"
CAPACITY_WATTS = PREFIX + "capacity_available_watts"
DUAL_CORD = PREFIX + "server_dual_cord_compliant"
NODE_INFO = PREFIX + "topology_node_info"
PDU_RATED = PREFIX + "topology_pdu_rated_current_amperes"
UPSTREAM_DOWN = PREFIX + "topology_upstream_down"

L_RACK, L_PHASE, L_FEED, L_RATING_SOURCE = "rack", "phase", "feed", "rating_source"
L_SYSTEM, L_SCOPE, L_LOAD_SOURCE = "system", "scope", "load_source"
L_SERVER, L_REASON = "server", "reason"
L_TARGET, L_NODE, L_KIND, L_GROUP, L_CAUSE = "target", "node", "kind", "group", "cause"

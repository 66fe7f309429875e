"""Words only the agent uses, each defined once.

The words it shares with the collector (poll statuses, health verdicts, metric types, secret
names) are in ``tierwatch_common.vocabulary``; SNMP value kinds are in ``agent.snmp.types``.
"""

from __future__ import annotations

# In a target's `profiles` list: choose the device's profiles by sysObjectID and by probing OIDs.
AUTO = "auto"

# The label of an enum's state series (one series per state, 1 for the current one); reserved in profiles.
STATE_LABEL = "state"

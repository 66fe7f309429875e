"""tierwatch agent: polls the local host and SNMP devices, spools readings, sends them to a collector."""

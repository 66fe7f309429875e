"""Reader kinds: `host` (psutil) and `snmp` (profiles over the SNMP client seam)."""

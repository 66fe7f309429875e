"""SNMP client seam: `client` is the only module of the project that imports pysnmp."""

"""Real peers (snmpd, snmpsim, ...) started on loopback for integration tests."""

"""SNMP notifications: a receiver for traps and informs, matched to targets, read through profiles."""

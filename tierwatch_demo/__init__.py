"""tierwatch's demo hall: a simulated Tier III hall served over SNMP, with scenarios to break it."""

"""Device profiles: MIB mappings as YAML data, their loader, detection and evaluation."""

"""Code shared by the tierwatch agent and collector: wire format, config loading, logging."""

"""tierwatch collector: authenticated ingest, Prometheus /metrics, availability engine."""

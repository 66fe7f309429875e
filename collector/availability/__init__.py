"""Exact availability of services: states over time, windows, error budgets, redundancy, maintenance."""

"""Fonte connector: a read-only HTTP API over the Fonte wind-turbine database."""

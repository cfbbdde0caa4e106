"""Charters calibrated from production telemetry: measure, compare, write back."""

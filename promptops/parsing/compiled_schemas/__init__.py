"""Generated schema validators: scripts/generate_schema_checks.py writes them."""

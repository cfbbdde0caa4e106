"""Eval engine: run a prompt's eval suite against a model, compare base with head, gate.

Layout: `providers/` (one module per provider, one shape), `assertions/` (one module per
family, a registry table), `response_cache.py`, `runner.py`, `results.py`, `comparison.py`,
`gates.py`, and `suite_loader.py` (the one adapter onto documents and rendering).
"""

"""Synthetic PII document generator internals (see training/generate.py)."""

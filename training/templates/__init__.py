"""Template and value banks for the synthetic PII generator (data only, no logic)."""

"""Use cases, one module per capability; each call is one transaction; permissions live here."""

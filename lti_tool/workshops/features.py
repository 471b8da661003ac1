"""Feature modules whose routes register on the workshop blueprint when imported (one line each)."""

# ruff: noqa: F401

"""Importing this module registers every grade page on the workshop blueprint."""

# ruff: noqa: F401
from . import exports, manual_views, settings_views, views

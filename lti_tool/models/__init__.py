"""SQLAlchemy 2 typed models, split by aggregate. Import here so Alembic sees every table."""

from .keys import ToolKey
from .lti_state import LtiStateEntry
from .people import Course, Membership, ResourceLink, User
from .platforms import Deployment, Platform

__all__ = [
    "Course",
    "Deployment",
    "LtiStateEntry",
    "Membership",
    "Platform",
    "ResourceLink",
    "ToolKey",
    "User",
]

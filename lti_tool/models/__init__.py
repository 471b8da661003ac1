"""SQLAlchemy 2 typed models, split by aggregate. Import here so Alembic sees every table."""

from .keys import ToolKey
from .lti_state import LtiStateEntry
from .people import Course, Membership, ResourceLink, User
from .platforms import Deployment, Platform
from .statements import Lrs, OutboxEntry, Statement, VideoProgress, XapiClient

__all__ = [
    "Course",
    "Deployment",
    "LtiStateEntry",
    "Lrs",
    "OutboxEntry",
    "Statement",
    "VideoProgress",
    "XapiClient",
    "Membership",
    "Platform",
    "ResourceLink",
    "ToolKey",
    "User",
]

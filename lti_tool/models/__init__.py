"""SQLAlchemy 2 typed models, split by aggregate. Import here so Alembic sees every table."""

from .activities import Activity
from .assignments import Submission
from .attendance import Attendance
from .discussions import Post
from .grades import AccessToken, GradeDirty, GradeResult, GradeState, LineItem, ManualScore, ScoreOutbox
from .keys import ToolKey
from .lti_state import LtiStateEntry
from .people import Course, Membership, ResourceLink, User
from .platforms import Deployment, Platform
from .showcase import SubmissionComment
from .statements import Lrs, OutboxEntry, Statement, VideoProgress, XapiClient
from .workshops import Phase, StudyGroup, Workshop, WorkshopClass, WorkshopMember

__all__ = [
    "AccessToken",
    "Activity",
    "Attendance",
    "Course",
    "Deployment",
    "GradeDirty",
    "GradeResult",
    "GradeState",
    "LineItem",
    "Lrs",
    "LtiStateEntry",
    "ManualScore",
    "Membership",
    "OutboxEntry",
    "Phase",
    "Platform",
    "Post",
    "ResourceLink",
    "ScoreOutbox",
    "Statement",
    "StudyGroup",
    "Submission",
    "SubmissionComment",
    "ToolKey",
    "User",
    "VideoProgress",
    "Workshop",
    "WorkshopClass",
    "WorkshopMember",
    "XapiClient",
]

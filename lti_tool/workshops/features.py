"""The workshop features whose routes register on import (each module adds to the `workshop`
blueprint); `lti_tool/__init__.py` imports this once."""

# ruff: noqa: F401
from . import (
    assignments,
    attendance,
    discussions,
    leader_views,
    people,
    people_roster,
    setup_edit,
    showcase,
    studio,
    tutor_views,
)

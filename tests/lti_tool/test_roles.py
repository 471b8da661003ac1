"""LTI role sets → Yanxiu roles (issue: foundation §7; platform-facts: Moodle and Open edX roles)."""

import pytest

from lti_tool.lti.roles import map_roles

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"


@pytest.mark.parametrize(
    ("roles", "expected"),
    [
        ([LIS + "membership#Instructor"], "host"),
        ([LIS + "membership#ContentDeveloper"], "host"),
        ([LIS + "membership#Administrator"], "host"),
        # Moodle site admin: institution + system Administrator on top of Instructor.
        ([LIS + "institution/person#Administrator", LIS + "system/person#Administrator"], "host"),
        ([LIS + "membership#TeachingAssistant"], "tutor"),
        # Moodle non-editing teacher: Instructor with the TA sub-role is a tutor, not a host.
        ([LIS + "membership#Instructor", LIS + "membership/Instructor#TeachingAssistant"], "tutor"),
        ([LIS + "membership#Learner"], "participant"),
        ([LIS + "membership#Mentor"], "observer"),
        # Older Open edX sent only institution roles.
        ([LIS + "institution/person#Student"], "participant"),
        (["Learner"], "participant"),
        ([LIS + "membership#Learner", LIS + "membership#Instructor"], "host"),
        (["http://example.com/unknown"], None),
        ([], None),
    ],
)
def test_role_mapping(roles: list[str], expected: str | None) -> None:
    """Membership Instructor/ContentDeveloper/Administrator and admins → host; TA → tutor;
    Learner → participant; Mentor → observer; nothing recognised → no role."""
    assert map_roles(roles) == expected

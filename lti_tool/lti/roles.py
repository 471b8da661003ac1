"""LTI role URIs → Yanxiu roles. A registry, so a platform's odd role is one new entry."""

from __future__ import annotations

from collections.abc import Iterable

LIS = "http://purl.imsglobal.org/vocab/lis/v2/"

# Highest-ranked role wins when a user has several (an admin who is also a learner is a host).
RANK = ("host", "tutor", "observer", "participant")

ROLE_MAP: dict[str, str] = {
    LIS + "membership#Instructor": "host",
    LIS + "membership#ContentDeveloper": "host",
    LIS + "membership#Administrator": "host",
    LIS + "institution/person#Administrator": "host",
    LIS + "system/person#Administrator": "host",
    LIS + "membership#TeachingAssistant": "tutor",
    LIS + "membership/Instructor#TeachingAssistant": "tutor",
    LIS + "membership#Learner": "participant",
    LIS + "membership#Mentor": "observer",
    # Older Open edX releases sent only institution roles (platform-facts: lti-consumer < 11.1).
    LIS + "institution/person#Instructor": "host",
    LIS + "institution/person#Faculty": "host",
    LIS + "institution/person#Student": "participant",
    LIS + "institution/person#Learner": "participant",
    LIS + "institution/person#Mentor": "observer",
}
# LTI 1.3 allows the short form for context roles ("Instructor" ≡ membership#Instructor).
ROLE_MAP.update({
    "Instructor": "host",
    "ContentDeveloper": "host",
    "Administrator": "host",
    "TeachingAssistant": "tutor",
    "Learner": "participant",
    "Mentor": "observer",
})


def map_roles(lti_roles: Iterable[str]) -> str | None:
    """The Yanxiu role for a launch, or None when no role is recognised."""
    roles = list(lti_roles)
    found = {ROLE_MAP[r] for r in roles if r in ROLE_MAP}
    # Moodle may send membership#Instructor together with the sub-role
    # membership/Instructor#TeachingAssistant for a non-editing teacher: the sub-role decides,
    # unless the user is also an administrator.
    is_admin = any(r.endswith("#Administrator") for r in roles)
    if "tutor" in found and not is_admin:
        found.discard("host")
    for role in RANK:
        if role in found:
            return role
    return None

"""id_token claims, shaped per profile like Moodle 4.x and Open edX lti-consumer-xblock 11.x send them.

Moodle (mod/lti): aud is the client id string, exp = iat + 60, sub is the numeric user id, PII
(name, given/family name, email) when the tool may see it, custom parameters substituted from the
user's profile, lis sourcedids, an `ext` claim, tool_platform, launch_presentation with a locale.
Open edX (lti_consumer): exp = iat + 3600, sub an anonymous id, no PII unless shared, roles from
institution/system vocabularies plus (since 11.1) context roles, no tool_platform, and deep-linking
requests carry no context, presentation or service claims (include_extra_claims=False upstream).
"""

from __future__ import annotations

import secrets
from typing import Any

from .demo_data import DemoUser
from .state import MessageHint, PlatformState, ResourceLink

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
AGS_CLAIM = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
DL_CLAIM = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"

MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
TA_SUBROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
COURSE_SECTION = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection"
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"

AGS_SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
]
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
MOODLE_VERSION = "2024100700"  # Moodle 4.5
OPENEDX_LIFETIME, MOODLE_LIFETIME = 3600, 60


def roles_for(state: PlatformState, user: DemoUser) -> list[str]:
    cfg = state.config
    if cfg.profile == "moodle":
        ta = [TA_SUBROLE] if cfg.tutor_role_form == "subrole" else [MEMBERSHIP + "TeachingAssistant"]
        return {
            "admin": [INSTITUTION + "Administrator", MEMBERSHIP + "Instructor", SYSTEM + "Administrator"],
            "host": [MEMBERSHIP + "Instructor"],
            "tutor": ta,
            "mentor": [MEMBERSHIP + "Mentor"],
            "participant": [MEMBERSHIP + "Learner"],
        }[user.role]
    # lti_consumer maps the course role (instructor / staff / student / guest) to these lists.
    institution = {
        "admin": [SYSTEM + "Administrator", INSTITUTION + "Instructor"],
        "host": [INSTITUTION + "Instructor"],
        "tutor": [SYSTEM + "Administrator", INSTITUTION + "Instructor"],  # course "staff"
        "mentor": [INSTITUTION + "Student"],  # no mentor role in Open edX: a guest
        "participant": [INSTITUTION + "Student"],
    }[user.role]
    context = {
        "admin": [MEMBERSHIP + "Administrator"],
        "host": [MEMBERSHIP + "Instructor"],
        "tutor": [MEMBERSHIP + "Administrator"],
        "mentor": [],
        "participant": [MEMBERSHIP + "Learner"],
    }[user.role]
    return institution + (context if cfg.openedx_context_roles else [])


def _mentees(state: PlatformState, mentor: DemoUser) -> list[str]:
    return [state.subject(u) for u in state.users.values() if u.role == "participant"]


def build_claims(state: PlatformState, user: DemoUser, hint: MessageHint, nonce: str) -> dict[str, Any]:
    cfg = state.config
    now = int(cfg.clock())
    moodle = cfg.profile == "moodle"
    deep_link = hint.message == "deeplink"
    claims: dict[str, Any] = {
        "iss": cfg.issuer,
        "aud": [cfg.client_id] if cfg.aud_as_list else cfg.client_id,
        "azp": cfg.client_id,
        "sub": state.subject(user),
        "iat": now,
        "exp": now + (MOODLE_LIFETIME if moodle else OPENEDX_LIFETIME),
        "nonce": nonce,
        LTI + "message_type": "LtiDeepLinkingRequest" if deep_link else "LtiResourceLinkRequest",
        LTI + "version": "1.3.0",
        LTI + "deployment_id": cfg.deployment_id,
        LTI + "roles": roles_for(state, user),
    }
    link = state.resource_links.get(hint.resource_link_id or "")
    if deep_link:
        claims[LTI + "target_link_uri"] = cfg.tool.deep_link_url or cfg.tool.launch_url
        claims[DL_CLAIM] = _deep_link_settings(state, user)
    else:
        assert link is not None  # the hint was checked when it was issued
        claims[LTI + "target_link_uri"] = link.url or cfg.tool.launch_url
        claims[LTI + "resource_link"] = {"id": link.id, "title": link.title, "description": link.description}
    if cfg.pii:
        claims["name"] = user.name
        claims["email"] = user.email
        if moodle:
            claims["given_name"] = user.given_name
            claims["family_name"] = user.family_name
    if user.role == "mentor" and moodle:
        claims[LTI + "role_scope_mentor"] = _mentees(state, user)
    if moodle:
        claims.update(_moodle_extras(state, user, link))
    elif not deep_link:
        claims.update(_openedx_extras(state, link))
    return claims


def _deep_link_settings(state: PlatformState, user: DemoUser) -> dict[str, Any]:
    data = secrets.token_urlsafe(12)
    with state.lock:
        state.deep_link_requests[data] = {"login": user.login, "issued_at": state.config.clock()}
    return {
        "deep_link_return_url": state.config.deep_link_return_url,
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "accept_multiple": False,
        "auto_create": True,
        "title": state.course.title,
        "data": data,
    }


def _services(state: PlatformState, link: ResourceLink | None) -> dict[str, Any]:
    cfg = state.config
    ags: dict[str, Any] = {"scope": list(AGS_SCOPES), "lineitems": cfg.lineitems_url}
    if link is not None and link.line_item_id is not None:
        ags["lineitem"] = cfg.lineitem_url(link.line_item_id)
    return {
        AGS_CLAIM: ags,
        NRPS_CLAIM: {"context_memberships_url": cfg.memberships_url, "service_versions": ["2.0"]},
    }


def _moodle_extras(state: PlatformState, user: DemoUser, link: ResourceLink | None) -> dict[str, Any]:
    cfg, course = state.config, state.course
    custom = {"school": user.school, "town": user.town}
    if link is not None:
        custom.update(link.custom)
    return {
        LTI + "context": {"id": state.context_id, "label": course.label, "title": course.title,
                          "type": [COURSE_SECTION]},
        LTI + "tool_platform": {"guid": cfg.base_url.split("//", 1)[-1], "name": cfg.platform_name,
                                "product_family_code": "moodle", "version": MOODLE_VERSION},
        LTI + "launch_presentation": {"locale": "zh_cn", "document_target": "iframe",
                                      "return_url": cfg.home_url},
        LTI + "lis": {"person_sourcedid": f"T{user.moodle_id:05d}",
                      "course_section_sourcedid": course.idnumber},
        LTI + "custom": custom,
        LTI + "ext": {"user_username": user.login, "lms": "moodle-2"},
        **_services(state, link),
    }


def _openedx_extras(state: PlatformState, link: ResourceLink | None) -> dict[str, Any]:
    cfg, course = state.config, state.course
    extras: dict[str, Any] = {
        LTI + "context": {"id": state.context_id, "label": state.context_id, "title": course.title,
                          "type": [COURSE_OFFERING]},
        LTI + "launch_presentation": {"document_target": "iframe", "return_url": cfg.home_url},
        **_services(state, link),
    }
    if link is not None and link.custom:
        extras[LTI + "custom"] = dict(link.custom)
    return extras


def sign_id_token(state: PlatformState, claims: dict[str, Any]) -> str:
    """Sign through the test hook when one is set, so tests can forge bad tokens."""
    with state.lock:
        state.id_tokens.append(claims)
        header: dict[str, Any] = {"kid": state.keys.current.kid, "typ": "JWT"}
        hook = state.token_hook
    if hook is not None:
        return hook(header, claims, state.keys.sign)
    return state.keys.sign(header, claims)

"""Configuration of the simulated platform and the URL layout of each profile.

Every public URL is `base_url + path`. `base_url` is the issuer, with `url_prefix` appended when the
issuer does not already end with it: so both "issuer=http://h:8000/devlms, url_prefix=/devlms" and
"issuer=http://h:8000, url_prefix=/devlms" put the auth endpoint at
http://h:8000/devlms/mod/lti/auth.php. `url_prefix` is where the routes live inside this WSGI app
(leave it empty when a dispatcher strips the prefix and sets SCRIPT_NAME).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlsplit

Profile = Literal["moodle", "openedx"]
TokenHook = Callable[[dict[str, Any], dict[str, Any], Callable[[dict[str, Any], dict[str, Any]], str]], str]

# Moodle: the demo course has id 2 (id 1 is the site); the deployment id is the tool type id.
MOODLE_COURSE_ID = "2"
# Open edX: the LTI consumer block's usage key and its LtiConfiguration primary key.
OPENEDX_COURSE_KEY = "course-v1:Yanxiu+XXSX2026+2026"
OPENEDX_USAGE_KEY = "block-v1:Yanxiu+XXSX2026+2026+type@lti_consumer+block@5f0c3a9e2b7d4e51"
OPENEDX_CONFIG_ID = "1"


@dataclass(frozen=True)
class ToolEndpoints:
    """What a platform administrator pastes in when registering the tool by hand."""

    login_url: str
    launch_url: str
    redirect_uris: tuple[str, ...] | list[str]
    jwks_url: str
    deep_link_url: str | None = None


@dataclass(frozen=True)
class ProfilePaths:
    """Paths relative to the platform base. `{item}` stands for a line item id."""

    auth: str
    token: str
    jwks: str
    lineitems: str
    lineitem: str
    memberships: str
    deep_link_return: str
    service_query: str = ""  # Moodle appends ?type_id=N to its AGS URLs
    deep_link_query: str = ""
    openid_configuration: str | None = None
    registration: str | None = None


def profile_paths(profile: Profile, deployment_id: str) -> ProfilePaths:
    if profile == "moodle":
        services = f"/mod/lti/services.php/{MOODLE_COURSE_ID}"
        return ProfilePaths(
            auth="/mod/lti/auth.php",
            token="/mod/lti/token.php",  # noqa: S106 - a path, not a password
            jwks="/mod/lti/certs.php",
            lineitems=f"{services}/lineitems",
            lineitem=f"{services}/lineitems/{{item}}/lineitem",
            memberships=f"/mod/lti/services.php/CourseSection/{MOODLE_COURSE_ID}/bindings/{deployment_id}/memberships",
            deep_link_return="/mod/lti/contentitem_return.php",
            service_query=f"?type_id={deployment_id}",
            deep_link_query=f"?course={MOODLE_COURSE_ID}&id={deployment_id}",
            openid_configuration="/mod/lti/openid-configuration.php",
            registration="/mod/lti/openid-registration.php",
        )
    if profile == "openedx":
        api = f"/api/lti_consumer/v1/lti/{OPENEDX_CONFIG_ID}"
        return ProfilePaths(
            auth="/api/lti_consumer/v1/launch/",
            token=f"/api/lti_consumer/v1/token/{OPENEDX_USAGE_KEY}",
            jwks=f"/api/lti_consumer/v1/public_keysets/{OPENEDX_USAGE_KEY}",
            lineitems=f"{api}/lti-ags",
            lineitem=f"{api}/lti-ags/{{item}}",
            memberships=f"{api}/memberships",
            deep_link_return=f"{api}/lti-dl/response",
        )
    raise ValueError(f"unknown profile {profile!r}: use 'moodle' or 'openedx'")


@dataclass(kw_only=True)
class PlatformConfig:
    """Everything that varies between test platforms. Only `issuer` and `tool` are required."""

    issuer: str
    tool: ToolEndpoints
    profile: Profile = "moodle"
    client_id: str = "yanxiu-devlms"
    deployment_id: str = "1"
    private_key_pem: str | bytes | None = None
    clock: Callable[[], float] = time.time
    strict: bool = True
    token_hook: TokenHook | None = None
    url_prefix: str = ""
    # None means the profile's default: Moodle shares name and email, Open edX does not.
    share_pii: bool | None = None
    # How tutors' roles are sent: "membership" → membership#TeachingAssistant,
    # "subrole" → membership/Instructor#TeachingAssistant (the LIS sub-role form some Moodles send).
    tutor_role_form: Literal["membership", "subrole"] = "membership"
    # Open edX before 11.1 sent only institution/system roles; False simulates that.
    openedx_context_roles: bool = True
    aud_as_list: bool = False
    http_timeout: float = 5.0
    secret_key: str | None = None
    platform_name: str = "县教师发展中心 (devlms)"
    extra: dict[str, Any] = field(default_factory=dict)
    paths: ProfilePaths = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.url_prefix and (not self.url_prefix.startswith("/") or self.url_prefix.endswith("/")):
            raise ValueError("url_prefix must start with '/' and not end with one, e.g. '/devlms'")
        if urlsplit(self.issuer).scheme not in ("http", "https"):
            raise ValueError("issuer must be an http(s) URL")
        self.paths = profile_paths(self.profile, self.deployment_id)

    # -- URLs ---------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        base = self.issuer.rstrip("/")
        if self.url_prefix and not urlsplit(base).path.endswith(self.url_prefix):
            base += self.url_prefix
        return base

    @property
    def pii(self) -> bool:
        return self.share_pii if self.share_pii is not None else self.profile == "moodle"

    @property
    def home_url(self) -> str:
        return self.base_url + "/"

    @property
    def auth_login_url(self) -> str:
        return self.base_url + self.paths.auth

    @property
    def auth_token_url(self) -> str:
        return self.base_url + self.paths.token

    @property
    def key_set_url(self) -> str:
        return self.base_url + self.paths.jwks

    @property
    def lineitems_url(self) -> str:
        return self.base_url + self.paths.lineitems + self.paths.service_query

    def lineitem_url(self, item_id: int) -> str:
        return self.base_url + self.paths.lineitem.format(item=item_id) + self.paths.service_query

    @property
    def memberships_url(self) -> str:
        return self.base_url + self.paths.memberships

    @property
    def deep_link_return_url(self) -> str:
        return self.base_url + self.paths.deep_link_return + self.paths.deep_link_query

    @property
    def openid_configuration_url(self) -> str | None:
        p = self.paths.openid_configuration
        return self.base_url + p if p else None

    @property
    def registration_endpoint_url(self) -> str | None:
        p = self.paths.registration
        return self.base_url + p if p else None

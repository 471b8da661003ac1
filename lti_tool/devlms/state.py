"""The platform's state: people, course, keys, line items, scores, tokens, hooks.

Everything lives in memory behind one `threading.Lock`: the demo runs a single process with
threads, and tests run the app in a threaded loopback server. Never run it with several workers.
Reachable as `app.extensions["devlms"]`.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from .config import MOODLE_COURSE_ID, OPENEDX_COURSE_KEY, PlatformConfig, TokenHook
from .demo_data import DEMO_COURSE, DemoCourse, DemoUser
from .keys import KeyRing, SigningKey

HINT_TTL = 300.0
REGISTRATION_TOKEN_TTL = 3600.0


@dataclass
class ResourceLink:
    id: str
    title: str
    description: str = ""
    url: str | None = None  # target_link_uri when it differs from the tool's launch URL
    custom: dict[str, str] = field(default_factory=dict)
    line_item_id: int | None = None
    from_deep_link: bool = False


@dataclass
class LineItem:
    id: int
    label: str
    score_maximum: float
    resource_link_id: str | None = None
    resource_id: str = ""
    tag: str = ""
    start_date_time: str | None = None
    end_date_time: str | None = None


@dataclass
class AccessToken:
    token: str
    scopes: frozenset[str]
    expires_at: float


@dataclass
class MessageHint:
    id: str
    login: str
    message: str  # "resource" | "deeplink"
    resource_link_id: str | None
    expires_at: float


@dataclass
class HoldRule:
    substring: str
    remaining: int
    barrier: threading.Barrier


@dataclass
class FailRule:
    substring: str
    status: int
    remaining: int
    headers: dict[str, str]


class PlatformState:
    def __init__(self, config: PlatformConfig, course: DemoCourse = DEMO_COURSE) -> None:
        self.lock = threading.Lock()
        self.config = config
        self.course = course
        self.users: dict[str, DemoUser] = {u.login: u for u in course.users}
        self.keys = KeyRing(config.private_key_pem)
        self.token_hook: TokenHook | None = config.token_hook
        self.resource_links: dict[str, ResourceLink] = {}
        self.line_items: dict[int, LineItem] = {}
        self.scores: list[dict[str, Any]] = []
        self.access_tokens: dict[str, AccessToken] = {}
        self.used_jtis: set[str] = set()
        self.hints: dict[str, MessageHint] = {}
        self.deep_link_requests: dict[str, dict[str, Any]] = {}
        self.deep_link_responses: list[dict[str, Any]] = []
        self.registrations: list[dict[str, Any]] = []
        self.registration_tokens: dict[str, dict[str, Any]] = {}
        self.request_log: list[tuple[str, str, int]] = []
        self.id_tokens: list[dict[str, Any]] = []  # claims of every id_token issued, newest last
        self._fail_rules: list[FailRule] = []
        self._delays: dict[str, float] = {}
        self._hold_rules: list[HoldRule] = []
        self._next_item = 1
        for activity in course.activities:
            link = self.add_resource_link(self._activity_link_id(activity.key, activity.moodle_instance_id),
                                          activity.title, activity.description)
            self.add_line_item(activity.title, activity.score_maximum, resource_link_id=link.id,
                               resource_id=activity.key, link=link)

    # -- identity --------------------------------------------------------------------------------
    @property
    def context_id(self) -> str:
        return MOODLE_COURSE_ID if self.config.profile == "moodle" else OPENEDX_COURSE_KEY

    def subject(self, user: DemoUser) -> str:
        """`sub`: Moodle's numeric user id; Open edX's anonymous user id (32 hex digits)."""
        if self.config.profile == "moodle":
            return str(user.moodle_id)
        return hashlib.sha256(f"{OPENEDX_COURSE_KEY}:{user.login}".encode()).hexdigest()[:32]

    def user_by_subject(self, sub: str) -> DemoUser | None:
        return next((u for u in self.users.values() if self.subject(u) == sub), None)

    def _activity_link_id(self, key: str, instance_id: int) -> str:
        if self.config.profile == "moodle":
            return str(instance_id)
        block = hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:16]
        return f"block-v1:Yanxiu+XXSX2026+2026+type@lti_consumer+block@{block}"

    # -- URLs (so a tool can be registered from the state as well as from the config) -------------
    @property
    def auth_login_url(self) -> str:
        return self.config.auth_login_url

    @property
    def auth_token_url(self) -> str:
        return self.config.auth_token_url

    @property
    def key_set_url(self) -> str:
        return self.config.key_set_url

    # -- keys -----------------------------------------------------------------------------------
    def rotate_key(self) -> SigningKey:
        """Add a new signing key: new tokens use it, the JWKS publishes old and new."""
        with self.lock:
            return self.keys.rotate()

    def retire_old_keys(self) -> None:
        with self.lock:
            self.keys.retire_old()

    # -- course content ---------------------------------------------------------------------------
    def add_resource_link(self, link_id: str | None, title: str, description: str = "", *,
                          url: str | None = None, custom: dict[str, str] | None = None,
                          from_deep_link: bool = False) -> ResourceLink:
        link = ResourceLink(id=link_id or secrets.token_hex(8), title=title, description=description,
                            url=url, custom=dict(custom or {}), from_deep_link=from_deep_link)
        self.resource_links[link.id] = link
        return link

    def add_line_item(self, label: str, score_maximum: float, *, resource_link_id: str | None = None,
                      resource_id: str = "", tag: str = "", link: ResourceLink | None = None,
                      start_date_time: str | None = None, end_date_time: str | None = None) -> LineItem:
        item = LineItem(self._next_item, label, float(score_maximum), resource_link_id, resource_id, tag,
                        start_date_time, end_date_time)
        self._next_item += 1
        self.line_items[item.id] = item
        if link is not None and link.line_item_id is None:
            link.line_item_id = item.id
        return item

    # -- launches ---------------------------------------------------------------------------------
    def issue_hint(self, login: str, message: str, resource_link_id: str | None) -> MessageHint:
        hint = MessageHint(secrets.token_urlsafe(16), login, message, resource_link_id,
                           self.config.clock() + HINT_TTL)
        with self.lock:
            self.hints[hint.id] = hint
        return hint

    def find_hint(self, hint_id: str) -> MessageHint | None:
        hint = self.hints.get(hint_id)
        if hint is None or hint.expires_at < self.config.clock():
            return None
        return hint

    # -- tokens ----------------------------------------------------------------------------------
    @property
    def tokens_issued(self) -> int:
        return len(self.access_tokens)

    def check_access_token(self, header: str | None) -> AccessToken | None:
        if not header or not header.lower().startswith("bearer "):
            return None
        token = self.access_tokens.get(header[7:].strip())
        if token is None or token.expires_at <= self.config.clock():
            return None
        return token

    def expire_access_tokens(self) -> None:
        """Test hook: every token issued so far is expired from now on (the tool must fetch anew)."""
        with self.lock:
            for token in self.access_tokens.values():
                token.expires_at = 0.0

    # -- dynamic registration ---------------------------------------------------------------------
    def new_registration_token(self) -> str:
        """A one-time registration token, valid 1 hour, as Moodle issues for dynamic registration."""
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.registration_tokens[token] = {"expires_at": self.config.clock() + REGISTRATION_TOKEN_TTL,
                                               "used": False}
        return token

    def registration_start_url(self, tool_registration_url: str) -> str:
        """Where Moodle sends the admin's browser: the tool's URL + openid_configuration + token."""
        sep = "&" if "?" in tool_registration_url else "?"
        query = urlencode({"openid_configuration": self.config.openid_configuration_url or "",
                           "registration_token": self.new_registration_token()})
        return f"{tool_registration_url}{sep}{query}"

    # -- failure injection ------------------------------------------------------------------------
    def fail_next(self, path_substring: str, status: int, times: int = 1,
                  headers: dict[str, str] | None = None) -> None:
        """The next `times` requests whose path (with query) contains `path_substring` get `status`."""
        with self.lock:
            self._fail_rules.append(FailRule(path_substring, status, times, dict(headers or {})))

    def delay(self, path_substring: str, seconds: float) -> None:
        """Every request whose path contains `path_substring` is answered `seconds` later: the
        platform's own time per request (a Moodle behind PHP-FPM takes tens to hundreds of ms).
        0 removes the delay."""
        with self.lock:
            self._delays[path_substring] = seconds

    def delay_for(self, full_path: str) -> float:
        with self.lock:
            return max((s for sub, s in self._delays.items() if sub in full_path), default=0.0)

    def hold_together(self, path_substring: str, parties: int, timeout: float = 10.0) -> None:
        """The next `parties` requests whose path contains `path_substring` are each held until all
        of them have arrived; if they never do within `timeout` (a client that sends one at a time),
        each is answered 503. Proves concurrency without timing anything."""
        with self.lock:
            self._hold_rules.append(HoldRule(path_substring, parties, threading.Barrier(parties, timeout=timeout)))

    def take_hold(self, full_path: str) -> threading.Barrier | None:
        with self.lock:
            for rule in self._hold_rules:
                if rule.remaining > 0 and rule.substring in full_path:
                    rule.remaining -= 1
                    return rule.barrier
            self._hold_rules = [r for r in self._hold_rules if r.remaining > 0]
        return None

    def take_failure(self, full_path: str) -> FailRule | None:
        with self.lock:
            for rule in self._fail_rules:
                if rule.remaining > 0 and rule.substring in full_path:
                    rule.remaining -= 1
                    return rule
            self._fail_rules = [r for r in self._fail_rules if r.remaining > 0]
        return None

"""`LaunchDriver`: a browser stand-in for tests, over real HTTP with a `requests.Session`.

launch(user) = begin → login → auth → post: GET the platform's /launch, send the login initiation to
the tool (GET or POST, as the platform gave it), follow the tool's redirect (or auto-submitting form)
to the platform's auth endpoint, read the auto-submitting id_token form, post it to the tool. Each
step is public so a test can stop, tamper (e.g. change `redirect_uri`) or replay. Cookies stay on the
session. No JavaScript runs, so auto-submitting forms are parsed and submitted by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit, urlunsplit

import requests


@dataclass
class FormPost:
    """A request a page would make: `method` to `action` with `fields` (a form, or a parsed redirect)."""

    action: str
    fields: dict[str, str] = field(default_factory=dict)
    method: str = "post"

    def send(self, session: requests.Session, timeout: float, follow: bool = False) -> requests.Response:
        if self.method.lower() == "get":
            return session.get(self.action, params=self.fields, allow_redirects=follow, timeout=timeout)
        return session.post(self.action, data=self.fields, allow_redirects=follow, timeout=timeout)


@dataclass
class LoginStep(FormPost):
    """The third-party-initiated login request the platform asks the browser to send to the tool."""


class LaunchError(RuntimeError):
    def __init__(self, message: str, response: requests.Response | None = None) -> None:
        detail = f" (HTTP {response.status_code}: {response.text[:300]!r})" if response is not None else ""
        super().__init__(message + detail)
        self.response = response


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[FormPost] = []
        self._open = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(FormPost(a.get("action", ""), {}, a.get("method", "get").lower() or "get"))
            self._open = True
        elif tag == "input" and self._open and a.get("name") and a.get("type", "text") != "submit":
            self.forms[-1].fields[a["name"]] = a.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = False


def parse_form(response: requests.Response) -> FormPost:
    """The first form of an HTML response, with its action made absolute."""
    parser = _FormParser()
    parser.feed(response.text)
    if not parser.forms:
        raise LaunchError(f"expected a form at {response.url}", response)
    form = parser.forms[0]
    form.action = urljoin(response.url, form.action or response.url)
    return form


def _from_url(url: str) -> FormPost:
    parts = urlsplit(url)
    return FormPost(urlunsplit(parts._replace(query="")), dict(parse_qsl(parts.query)), "get")


class LaunchDriver:
    def __init__(self, platform_base_url: str, session: requests.Session | None = None,
                 timeout: float = 10.0) -> None:
        self.base = platform_base_url.rstrip("/")
        self.session = session or requests.Session()
        self.timeout = timeout

    def begin(self, user: str, message: str = "resource", resource_link: str | None = None) -> LoginStep:
        params = {"user": user, "message": message}
        if resource_link:
            params["resource_link"] = resource_link
        resp = self.session.get(f"{self.base}/launch", params=params, allow_redirects=False,
                                timeout=self.timeout)
        if resp.is_redirect:
            step = _from_url(urljoin(resp.url, resp.headers["Location"]))
        elif resp.status_code == 200:
            step = parse_form(resp)
        else:
            raise LaunchError("the platform refused to start the launch", resp)
        return LoginStep(step.action, step.fields, step.method)

    def login(self, step: LoginStep) -> FormPost:
        """Send the login initiation to the tool; return the auth request it sends the browser to."""
        resp = step.send(self.session, self.timeout)
        if resp.is_redirect:
            return _from_url(urljoin(resp.url, resp.headers["Location"]))
        if resp.status_code == 200 and "<form" in resp.text.lower():
            return parse_form(resp)
        raise LaunchError("the tool's login did not redirect to the platform", resp)

    def auth(self, request: FormPost) -> FormPost:
        """Call the platform's auth endpoint; return the id_token form it answers with."""
        resp = request.send(self.session, self.timeout)
        if resp.status_code != 200:
            raise LaunchError("the platform's auth endpoint refused", resp)
        return parse_form(resp)

    def authorize(self, step: LoginStep) -> FormPost:
        return self.auth(self.login(step))

    def post(self, form: FormPost, follow: bool = True) -> requests.Response:
        """Post the id_token form (or any form) to the tool; return the tool's response."""
        return form.send(self.session, self.timeout, follow=follow)

    def launch(self, user: str, message: str = "resource", resource_link: str | None = None,
               follow: bool = True) -> requests.Response:
        return self.post(self.authorize(self.begin(user, message, resource_link)), follow=follow)

"""Every page the tool serves carries a Content-Security-Policy: only the tool's own scripts run,
plus an inline script carrying the response's own nonce (the LTI hand-off pages). The browser flows
in tests/browser run under it (the player, the forms, the upload check), so it breaks none of them."""

from __future__ import annotations

import re
from pathlib import Path

import requests

from lti_tool.devlms.driver import parse_form

from ..fixtures.lti import lti_harness


def policy(resp: requests.Response) -> dict[str, str]:
    header = resp.headers["Content-Security-Policy"]
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in header.split("; ")}


def test_pages_run_only_the_tools_own_scripts(database_url: str, tmp_path: Path) -> None:
    with lti_harness(database_url, tmp_path / "i") as h:
        driver = h.driver()
        home = driver.launch("maxiaoyan")
        assert home.status_code == 200 and home.headers["X-Content-Type-Options"] == "nosniff"
        rules = policy(home)
        assert rules["script-src"] == "'self'"  # no nonce: this page has no inline script
        assert rules["default-src"] == "'self'" and rules["object-src"] == "'none'" and rules["base-uri"] == "'none'"
        assert "frame-ancestors" not in rules  # the LMS frames the tool
        missing = driver.session.get(home.url.rstrip("/") + "/nowhere", timeout=10)
        assert missing.status_code == 404 and policy(missing)["script-src"] == "'self'"  # error pages too
        api = requests.get(h.tool_url + "/lti/config", timeout=10)
        assert "Content-Security-Policy" not in api.headers and api.headers["X-Content-Type-Options"] == "nosniff"


def test_a_hand_off_page_runs_its_own_inline_script_only(database_url: str, tmp_path: Path) -> None:
    """The deep-linking answer posts itself to the platform with one inline line: allowed by this
    response's nonce, a new one each time, so a script slipped into a page cannot borrow it."""
    with lti_harness(database_url, tmp_path / "i") as h:
        nonces = []
        for title in ("数学工作坊（一）", "数学工作坊（二）"):
            driver = h.driver()
            page = driver.launch("maxiaoyan", message="deeplink")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            launch_id = re.search(r'name="launch_id" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
            answer = driver.session.post(h.tool_url + "/lti/deep-link/respond", timeout=10,
                                         data={"csrf_token": csrf, "launch_id": launch_id, "title": title})
            assert answer.status_code == 200 and parse_form(answer)
            nonce = re.search(r'<script nonce="([^"]+)">', answer.text).group(1)  # type: ignore[union-attr]
            assert f"'nonce-{nonce}'" in policy(answer)["script-src"]
            nonces.append(nonce)
        assert nonces[0] != nonces[1] and len(nonces[0]) >= 16

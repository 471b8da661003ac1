"""Static files are linked under the hash of their content and cached for a year under it; without
the hash, or with an old one, for an hour (lti_tool/static_assets.py)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from lti_tool.static_assets import _Versions

STATIC = Path(__file__).resolve().parents[2] / "lti_tool" / "static"


def _version(name: str) -> str:
    return hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:12]


def test_pages_link_static_files_under_their_content_hash(client: Any) -> None:
    page = client.get("/w/1/").get_data(as_text=True)  # the "launch again" page, on the common layout
    links = re.findall(r'href="(/static/[^"]+)"', page)
    # The icon too: without one, every browser asked for /favicon.ico and logged its 404.
    assert links == [f"/static/logo.svg?v={_version('logo.svg')}", f"/static/yanxiu.css?v={_version('yanxiu.css')}"]
    assert all(client.get(link).status_code == 200 for link in links)


def test_the_current_hash_is_cached_for_a_year_and_anything_else_for_an_hour(client: Any) -> None:
    current = f"/static/player.js?v={_version('player.js')}"
    r = client.get(current)
    assert r.status_code == 200 and r.data == (STATIC / "player.js").read_bytes()
    assert r.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    again = client.get(current, headers={"If-None-Match": r.headers["ETag"]})
    assert again.status_code == 304 and again.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    for url in ("/static/player.js", "/static/player.js?v=0123456789ab", "/static/player.js?v="):
        r = client.get(url)
        assert r.status_code == 200 and r.headers["Cache-Control"] == "public, max-age=3600", url
    for url in ("/static/missing.css", "/static/../__init__.py", "/static/%2e%2e/config.py"):
        r = client.get(url)
        assert r.status_code == 404 and "immutable" not in r.headers.get("Cache-Control", ""), url


def test_a_changed_file_gets_a_new_version(tmp_path: Path) -> None:
    (tmp_path / "a.css").write_text("body { color: black }")
    before = _Versions(str(tmp_path)).of("a.css")
    (tmp_path / "a.css").write_text("body { color: navy }")
    after = _Versions(str(tmp_path)).of("a.css")
    assert before and after and before != after
    assert _Versions(str(tmp_path)).of("../a.css") == "" and _Versions(str(tmp_path)).of("none.css") == ""

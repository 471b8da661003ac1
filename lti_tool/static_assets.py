"""Static files named by their content: `url_for('static', filename=…)` adds `?v=<hash of the file>`,
and a request for the file under its current hash is cached by browsers for a year (immutable).

A participant on a weak rural line then fetches the player and the styles once per release instead
of asking again every hour, and after an upgrade no browser runs an old player.js against the new
pages (the hash changes with the content). A URL without the hash, or with an old one, is cached for
an hour, as every static file was before.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.security import safe_join

YEAR = 365 * 24 * 3600
HOUR = 3600


class _Versions:
    """File name → the first 12 hex digits of its SHA-256, read once per process (a release's files
    do not change while it runs; the development server restarts on a change)."""

    def __init__(self, folder: str | None) -> None:
        self.folder, self._known = folder, dict[str, str]()

    def of(self, filename: str) -> str:
        if filename not in self._known:
            path = safe_join(self.folder, filename) if self.folder else None
            version = ""
            if path is not None and Path(path).is_file():
                version = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
            self._known[filename] = version
        return self._known[filename]


def init_static(app: Flask) -> None:
    versions = _Versions(app.static_folder)

    @app.url_defaults
    def _versioned(endpoint: str, values: dict[str, str]) -> None:
        if endpoint == "static" and "v" not in values:
            version = versions.of(values.get("filename", ""))
            if version:
                values["v"] = version

    @app.after_request
    def _cache(resp: Response) -> Response:
        if request.endpoint != "static" or resp.status_code not in (200, 304):
            return resp
        current = versions.of((request.view_args or {}).get("filename", ""))
        resp.cache_control.no_cache = None  # what send_file sets when the app gives no max-age
        resp.cache_control.public = True
        if current and request.args.get("v") == current:
            resp.cache_control.max_age = YEAR
            resp.cache_control.immutable = True
        else:
            resp.cache_control.max_age = HOUR
        return resp

"""A file the browser saves (an export, a report, a roster), named per RFC 6266."""

from __future__ import annotations

import re
from urllib.parse import quote

from flask import Response


def download(data: bytes, name: str, mimetype: str, fallback: str | None = None) -> Response:
    """A download named `name` (often Chinese): filename* carries it UTF-8 and percent-encoded
    (RFC 5987); filename is a plain-ASCII fallback for browsers that ignore filename* (old Android,
    in-app browsers), which saved a file called "grades" or "roster" with no extension. The fallback
    is `fallback`, else "yanxiu" and the ASCII words of `name`, with its extension."""
    if fallback is None:
        stem, dot, extension = name.rpartition(".")
        if not dot or not re.fullmatch(r"[A-Za-z0-9]{1,10}", extension):
            stem, extension = name, ""
        fallback = "-".join(["yanxiu", *re.findall(r"[A-Za-z0-9]+", stem)])[:100] + (
            f".{extension}" if extension else "")
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(name, fallback)
    return response  # nosniff: every response has it (security._page_headers)


def content_disposition(name: str, fallback: str) -> str:
    """attachment; the ASCII `fallback` (anything a quoted-string would need escaped made "_"), and
    `name` UTF-8 and percent-encoded in filename*."""
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", fallback)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(name, safe='')}"

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
    fallback = re.sub(r"[^A-Za-z0-9._-]", "_", fallback)  # nothing a quoted-string would need escaped
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = (f"attachment; filename=\"{fallback}\"; "
                                               f"filename*=UTF-8''{quote(name, safe='')}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response

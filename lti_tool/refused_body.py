"""A body refused as too large (413) is read and dropped before the answer, up to DRAIN_LIMIT.

Nginx in front buffers a request body and sends it whole, up to its client_max_body_size (22 MiB,
deploy/nginx-yanxiu.conf). Answered unread, the body waits for gunicorn to read it once the
connection is idle again, and a worker busy past the keep-alive timeout closes the connection
first, with the body unread: Nginx, still sending it, gets a reset and answers 502 instead of the
tool's 413 (once, in a CI run on a loaded machine, for a 17 MiB xAPI batch). A larger body, from a
client with no proxy in front, is not read: the connection is closed on it.
"""

from __future__ import annotations

from flask import request

DRAIN_LIMIT = 32 * 1024 * 1024


def drop_refused_body() -> None:
    """Read and drop the request's body; only for a body refused on its declared length, before
    anything read it. From the server's own input, counted by Content-Length: `request.stream`
    refuses to read past MAX_CONTENT_LENGTH, the very bodies this is for."""
    length = request.content_length
    if length is None or length > DRAIN_LIMIT:
        return
    stream = request.environ["wsgi.input"]
    while length > 0:
        chunk = stream.read(min(1 << 16, length))
        if not chunk:
            break
        length -= len(chunk)

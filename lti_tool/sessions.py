"""Session cookies that survive inside an LMS iframe.

Behind HTTPS (directly or via a proxy sending X-Forwarded-Proto, see ProxyFix in the factory) the
cookie is `SameSite=None; Secure; Partitioned`, the only form browsers send in a cross-site iframe.
Over plain HTTP (development) it stays `SameSite=Lax`.
"""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface


class IframeSessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(request.is_secure)

    def get_cookie_samesite(self, app: Flask) -> str:
        return "None" if request.is_secure else "Lax"

    def get_cookie_partitioned(self, app: Flask) -> bool:
        return bool(request.is_secure)

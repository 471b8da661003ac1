"""A minimal LTI 1.3 tool that plays the tool side against the platform simulator over real HTTP.

It does only what the platform needs to be exercised: OIDC login (redirect to the auth endpoint),
id_token verification with the platform's JWKS, its own JWKS, client_assertion JWTs for the token
endpoint, and a signed LtiDeepLinkingResponse. Knobs: `auth_overrides` changes the auth request.
"""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, Response, jsonify, render_template_string, request

from lti_tool.devlms import PlatformConfig, ToolEndpoints

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
AUTOPOST = """<form method="post" action="{{ action }}">{% for k, v in fields.items() %}
<input type="hidden" name="{{ k }}" value="{{ v }}">{% endfor %}</form>"""


class FakeTool:
    def __init__(self, base_url: str, client_id: str, key: rsa.RSAPrivateKey | None = None) -> None:
        self.base = base_url
        self.client_id = client_id
        self.key = key or rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "tool-key-1"
        self.platform: PlatformConfig | None = None
        self.pending: dict[str, str] = {}  # state -> nonce
        self.logins: list[dict[str, str]] = []
        self.launches: list[dict[str, Any]] = []
        self.auth_overrides: dict[str, str | None] = {}
        self.deep_link_items: list[dict[str, Any]] = [{"type": "ltiResourceLink", "title": "第三期"}]
        self.app = self._make_app()

    @property
    def endpoints(self) -> ToolEndpoints:
        return ToolEndpoints(login_url=f"{self.base}/login", launch_url=f"{self.base}/launch",
                             redirect_uris=[f"{self.base}/launch", f"{self.base}/dl"],
                             jwks_url=f"{self.base}/jwks", deep_link_url=f"{self.base}/dl")

    # -- signing ----------------------------------------------------------------------------------
    def jwks(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def sign(self, claims: dict[str, Any], key: Any = None, kid: str | None = None) -> str:
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})

    def client_assertion(self, **overrides: Any) -> str:
        assert self.platform is not None
        now = int(time.time())
        claims: dict[str, Any] = {"iss": self.client_id, "sub": self.client_id,
                                  "aud": self.platform.auth_token_url, "iat": now, "exp": now + 300,
                                  "jti": uuid.uuid4().hex}
        claims.update(overrides)
        return self.sign({k: v for k, v in claims.items() if v is not None})

    def token_request(self, scope: str, assertion: str | None = None, **form: str) -> requests.Response:
        assert self.platform is not None
        data = {"grant_type": "client_credentials",
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion or self.client_assertion(), "scope": scope, **form}
        return requests.post(self.platform.auth_token_url, data=data, timeout=10)

    def access_token(self, *scopes: str) -> str:
        resp = self.token_request(" ".join(scopes))
        assert resp.status_code == 200, resp.text
        return str(resp.json()["access_token"])

    def deep_link_response(self, request_claims: dict[str, Any], **overrides: Any) -> str:
        assert self.platform is not None
        now = int(time.time())
        settings = request_claims[DL + "deep_linking_settings"]
        claims: dict[str, Any] = {
            "iss": self.client_id, "aud": self.platform.issuer, "iat": now, "exp": now + 300,
            "nonce": secrets.token_urlsafe(8),
            LTI + "message_type": "LtiDeepLinkingResponse", LTI + "version": "1.3.0",
            LTI + "deployment_id": request_claims[LTI + "deployment_id"],
            DL + "data": settings.get("data"),
            DL + "content_items": self.deep_link_items,
        }
        claims.update(overrides)
        return self.sign({k: v for k, v in claims.items() if v is not None})

    # -- verification -----------------------------------------------------------------------------
    def verify_id_token(self, token: str) -> dict[str, Any]:
        assert self.platform is not None
        keyset = requests.get(self.platform.key_set_url, timeout=10).json()
        kid = jwt.get_unverified_header(token)["kid"]
        key = next(k for k in keyset["keys"] if k["kid"] == kid)
        return jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], audience=self.client_id,
                          issuer=self.platform.issuer, options={"require": ["exp", "iat", "nonce"]})

    # -- the web side -----------------------------------------------------------------------------
    def _make_app(self) -> Flask:
        app = Flask(__name__)

        @app.route("/jwks")
        def jwks() -> Response:
            return jsonify(self.jwks())

        @app.route("/login", methods=["GET", "POST"])
        def login() -> Any:
            assert self.platform is not None
            params = request.values.to_dict()
            self.logins.append({**params, "_method": request.method})
            if params.get("iss") != self.platform.issuer:
                return Response("unknown issuer", 400)
            state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
            self.pending[state] = nonce
            target = params.get("target_link_uri", "")
            auth = {"scope": "openid", "response_type": "id_token", "response_mode": "form_post",
                    "prompt": "none", "client_id": self.client_id,
                    "redirect_uri": self.base + ("/dl" if target == f"{self.base}/dl" else "/launch"),
                    "login_hint": params.get("login_hint"),
                    "lti_message_hint": params.get("lti_message_hint"),
                    "state": state, "nonce": nonce}
            auth.update(self.auth_overrides)
            query = urlencode({k: v for k, v in auth.items() if v is not None})
            return Response(status=302, headers={"Location": f"{self.platform.auth_login_url}?{query}"})

        def _accept() -> dict[str, Any] | Response:
            state = request.form.get("state", "")
            if state not in self.pending:
                return Response("unknown state", 400)
            claims = self.verify_id_token(request.form["id_token"])
            if claims["nonce"] != self.pending.pop(state):
                return Response("nonce mismatch", 400)
            self.launches.append(claims)
            return claims

        @app.route("/launch", methods=["POST"])
        def launch() -> Any:
            claims = _accept()
            if isinstance(claims, Response):
                return claims
            return jsonify(ok=True, sub=claims["sub"], message_type=claims[LTI + "message_type"])

        @app.route("/dl", methods=["POST"])
        def deep_link() -> Any:
            claims = _accept()
            if isinstance(claims, Response):
                return claims
            settings = claims[DL + "deep_linking_settings"]
            return render_template_string(AUTOPOST, action=settings["deep_link_return_url"],
                                          fields={"JWT": self.deep_link_response(claims)})

        return app

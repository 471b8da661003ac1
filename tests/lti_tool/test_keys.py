"""Tool keys: created on first use, encrypted at rest, rotated with a grace period (foundation §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm

from lti_tool.extensions import db
from lti_tool.models import ToolKey


def test_jwks_endpoint_publishes_one_rs256_key(client: Any) -> None:
    body = client.get("/.well-known/jwks.json").get_json()
    assert len(body["keys"]) == 1
    key = body["keys"][0]
    assert key["kty"] == "RSA" and key["alg"] == "RS256" and key["use"] == "sig" and key["kid"]
    assert "d" not in key, "the private exponent must never be published"


def test_private_key_is_encrypted_at_rest_and_signs(app: Any) -> None:
    with app.app_context():
        store = app.extensions["yanxiu"].keys
        key = store.signing_key()
        assert "ENCRYPTED PRIVATE KEY" in key.private_pem_encrypted
        token = jwt.encode({"x": 1}, store.private_pem(key), algorithm="RS256", headers={"kid": key.kid})
        public = RSAAlgorithm.from_jwk(key.public_jwk)
        assert jwt.decode(token, public, algorithms=["RS256"]) == {"x": 1}  # type: ignore[arg-type]


def test_rotated_key_leaves_jwks_after_grace(app: Any) -> None:
    with app.app_context():
        store = app.extensions["yanxiu"].keys
        old = store.signing_key().kid
        now = datetime.now(UTC)
        new = store.rotate(now=now).kid
        assert [k["kid"] for k in store.jwks(now=now + timedelta(days=1))["keys"]] == [old, new]
        assert [k["kid"] for k in store.jwks(now=now + timedelta(days=8))["keys"]] == [new]
        assert db.session.query(ToolKey).count() == 2

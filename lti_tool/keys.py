"""The tool's signing keys: created on first use, rotated on demand, encrypted at rest.

Private keys are stored in the database (so every worker and every web node signs with the same
key) as PKCS#8 PEM encrypted with a key derived from the app secret: a database dump alone does not
give away the tool's identity.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk
from sqlalchemy import select

from .extensions import db
from .models import ToolKey


def _passphrase(secret_key: str) -> bytes:
    return hashlib.sha256(b"yanxiu-tool-key:" + secret_key.encode()).digest()


def _new_key(secret_key: str) -> ToolKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(_passphrase(secret_key)),
    ).decode()
    public = jwk.JWK.from_pyca(private.public_key())
    public_jwk: dict[str, Any] = json.loads(public.export_public())
    kid = public.thumbprint()[:22]  # RFC 7638 thumbprint: stable and unique per key
    public_jwk.update({"kid": kid, "alg": "RS256", "use": "sig"})
    return ToolKey(kid=kid, private_pem_encrypted=pem, public_jwk=public_jwk)


class KeyStore:
    """Reads and rotates the tool's keys; the newest unretired key signs."""

    def __init__(self, secret_key: str, grace: timedelta) -> None:
        self._secret_key = secret_key
        self._grace = grace
        # Loading an RSA key checks it (tens of ms): done once per key and process, not per launch.
        self._loaded: dict[str, tuple[Any, str]] = {}

    def signing_key(self) -> ToolKey:
        key = db.session.scalars(
            select(ToolKey).where(ToolKey.retired_at.is_(None)).order_by(ToolKey.id.desc())
        ).first()
        if key is None:
            key = _new_key(self._secret_key)
            db.session.add(key)
            db.session.commit()
        return key

    def _load(self, key: ToolKey) -> tuple[Any, str]:
        found = self._loaded.get(key.kid)
        if found is None:
            private = serialization.load_pem_private_key(
                key.private_pem_encrypted.encode(), password=_passphrase(self._secret_key)
            )
            pem = private.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            ).decode()
            found = self._loaded[key.kid] = (private, pem)
        return found

    def private_pem(self, key: ToolKey) -> str:
        return self._load(key)[1]

    def private_key(self, key: ToolKey) -> Any:
        """The loaded key object, for signing without parsing the PEM again."""
        return self._load(key)[0]

    def jwks(self, now: datetime | None = None) -> dict[str, list[dict[str, Any]]]:
        now = now or datetime.now(UTC)
        self.signing_key()
        keys = db.session.scalars(select(ToolKey).order_by(ToolKey.id)).all()
        published = [
            k.public_jwk for k in keys if k.retired_at is None or (k.publish_until and k.publish_until > now)
        ]
        return {"keys": published}

    def rotate(self, now: datetime | None = None) -> ToolKey:
        """Add a new signing key; older keys stay published for the grace period."""
        now = now or datetime.now(UTC)
        for old in db.session.scalars(select(ToolKey).where(ToolKey.retired_at.is_(None))):
            old.retired_at = now
            old.publish_until = now + self._grace
        key = _new_key(self._secret_key)
        db.session.add(key)
        db.session.commit()
        return key

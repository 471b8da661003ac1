"""The platform's RS256 signing keys (a small key ring that supports rotation) and tool-JWT checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jwt
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto import jwk


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key: rsa.RSAPrivateKey

    @property
    def public_jwk(self) -> dict[str, Any]:
        data: dict[str, Any] = jwt.algorithms.RSAAlgorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        data.update(kid=self.kid, alg="RS256", use="sig")
        return data


def _load(pem: str | bytes | None) -> SigningKey:
    if pem is None:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        loaded = serialization.load_pem_private_key(pem.encode() if isinstance(pem, str) else pem, None)
        if not isinstance(loaded, rsa.RSAPrivateKey):
            raise ValueError("private_key_pem must be an RSA private key")
        key = loaded
    # kid = RFC 7638 thumbprint of the public key: stable for a given key, different after rotation.
    kid = jwk.JWK.from_pyca(key.public_key()).thumbprint()
    return SigningKey(kid=kid, private_key=key)


class KeyRing:
    """Signs with the newest key; publishes every key it still holds."""

    def __init__(self, pem: str | bytes | None = None) -> None:
        self._keys = [_load(pem)]

    @property
    def current(self) -> SigningKey:
        return self._keys[-1]

    def rotate(self) -> SigningKey:
        self._keys.append(_load(None))
        return self.current

    def retire_old(self) -> None:
        self._keys = [self.current]

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk for k in self._keys]}

    def sign(self, header: dict[str, Any], claims: dict[str, Any]) -> str:
        """Sign `claims` RS256 with the current key; `header` may override kid/typ (tests forge)."""
        headers = {"kid": self.current.kid, **header}
        headers.pop("alg", None)
        return jwt.encode(claims, self.current.private_key, algorithm="RS256", headers=headers)


class ToolJWTError(ValueError):
    """A JWT from the tool failed a check; the message names the check."""


def fetch_jwks(url: str, timeout: float) -> dict[str, Any]:
    try:
        resp = requests.get(url, timeout=timeout, headers={"Accept": "application/json"})
        resp.raise_for_status()
        data = resp.json()
    except (requests.RequestException, ValueError) as exc:
        raise ToolJWTError(f"tool_jwks_unavailable: cannot fetch {url}: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("keys"), list):
        raise ToolJWTError("tool_jwks_invalid: the tool key set has no 'keys' list")
    return data


def verify_tool_jwt(
    token: str,
    jwks: dict[str, Any],
    *,
    issuer: str,
    audience: str,
    now: float,
    required: tuple[str, ...] = ("iss", "aud", "exp", "iat"),
    check_sub: str | None = None,
) -> dict[str, Any]:
    """Verify a tool-signed JWT: RS256 only, known kid, iss/aud/sub, exp/iat against the injected clock."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise ToolJWTError(f"jwt_malformed: {exc}") from exc
    if header.get("alg") != "RS256":
        raise ToolJWTError(f"jwt_alg_not_allowed: alg {header.get('alg')!r} (only RS256)")
    keys = [k for k in jwks["keys"] if k.get("kty") == "RSA"]
    kid = header.get("kid")
    if kid is not None:
        keys = [k for k in keys if k.get("kid") == kid]
    if len(keys) != 1:
        raise ToolJWTError(f"jwt_kid_unknown: no single tool key for kid {kid!r}")
    try:
        public_key = jwt.PyJWK(keys[0], algorithm="RS256").key
        claims: dict[str, Any] = jwt.decode(
            token,
            public_key,
            algorithms=["RS256"],
            options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                     "verify_aud": False, "verify_iss": False},
        )
    except jwt.PyJWTError as exc:
        raise ToolJWTError(f"jwt_signature_invalid: {exc}") from exc
    for name in required:
        if name not in claims:
            raise ToolJWTError(f"jwt_claim_missing: {name}")
    if claims.get("iss") != issuer:
        raise ToolJWTError(f"jwt_iss_mismatch: iss {claims.get('iss')!r}, expected {issuer!r}")
    if check_sub is not None and claims.get("sub") != check_sub:
        raise ToolJWTError(f"jwt_sub_mismatch: sub {claims.get('sub')!r}, expected {check_sub!r}")
    aud = claims.get("aud")
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise ToolJWTError(f"jwt_aud_mismatch: aud {aud!r}, expected {audience!r}")
    if not isinstance(claims.get("exp"), int | float) or claims["exp"] <= now:
        raise ToolJWTError("jwt_expired: exp is in the past")
    iat = claims.get("iat")
    if iat is not None and (not isinstance(iat, int | float) or iat > now + 60):
        raise ToolJWTError("jwt_iat_in_future: iat more than 60 s ahead of the platform clock")
    return claims


Signer = Callable[[dict[str, Any], dict[str, Any]], str]

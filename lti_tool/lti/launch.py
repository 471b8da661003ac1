"""Launch validation: pylti1p3's checks plus the strictness real platforms need.

pylti1p3 alone leaves gaps (see platform-facts): no `aud`/`iss` check in the JWT decode, no
timeout on the key-set fetch, no re-fetch on an unknown `kid`, and nonces checked before the
signature. This subclass closes them; every failure becomes a named `LtiError`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import jwt
from jwt.algorithms import RSAAlgorithm
from pylti1p3.contrib.flask.message_launch import FlaskMessageLaunch
from pylti1p3.exception import LtiException, OIDCException
from pylti1p3.registration import Registration

from .claims import check_claims, check_envelope
from .errors import LtiError
from .jwks import PlatformKeys

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
RESOURCE_LINK = "LtiResourceLinkRequest"
DEEP_LINK = "LtiDeepLinkingRequest"


class StrictMessageLaunch(FlaskMessageLaunch):
    platform_keys: PlatformKeys
    leeway: int = 10

    def validate(self) -> StrictMessageLaunch:
        if self._restored:
            raise LtiError("bad_state", "restored launch")
        self._validated = True
        try:
            self._run(self.validate_state, "bad_state")
            self._run(self.validate_jwt_format, "bad_token")
            # Shapes first: iss/aud/kid reach the database and the error page before the
            # signature is known, and every other claim reaches them right after it.
            check_envelope(self._jwt.get("header"), self._jwt.get("body"))
            self._run(self.validate_registration, "unknown_platform")
            self.validate_jwt_signature()
            check_claims(self._jwt["body"])
            self._validate_required_claims()
            self._run(self.validate_nonce, "replayed_nonce")
            self._run(self.validate_deployment, "unknown_deployment")
            self._run(self.validate_message, "bad_claim")
            self.save_launch_data()
        except Exception:
            self._validated = False
            raise
        return self

    @staticmethod
    def _run(step: Any, code: str) -> None:
        try:
            step()
        except LtiError:
            raise
        except (LtiException, OIDCException) as exc:
            raise LtiError(code, str(exc)) from None

    def validate_registration(self) -> StrictMessageLaunch:
        body = self._jwt.get("body", {})
        if not body.get("iss"):
            raise LtiError("missing_claim", "iss")
        if not body.get("aud"):
            raise LtiError("missing_claim", "aud")
        try:
            super().validate_registration()
        except LtiException as exc:
            if self._tool_config.find_platform(body["iss"], None) is not None or self._issuer_known(body["iss"]):
                # The issuer is registered, only not for this audience.
                raise LtiError("bad_audience", str(body.get("aud"))) from None
            raise LtiError("unknown_platform", f"{body.get('iss')} / {self.get_client_id()}: {exc}") from None
        return self

    def _issuer_known(self, iss: str) -> bool:
        from sqlalchemy import select

        from ..extensions import db
        from ..models import Platform

        return db.session.scalar(select(Platform.id).where(Platform.issuer == iss).limit(1)) is not None

    def validated_registration(self) -> Registration:
        """The platform's registration, once validate() has passed."""
        # validate() runs validate_registration before any step that reads the registration, and
        # that either sets it (pylti1p3 raises "Registration not found." otherwise) or raises.
        assert self._registration is not None, "Registration not yet set"
        return self._registration

    def validate_jwt_signature(self) -> StrictMessageLaunch:
        header = self._jwt.get("header", {})
        alg = header.get("alg")
        # Only RS256: rejects `alg: none` and HS256 signed with the platform's public key.
        if alg != "RS256":
            raise LtiError("bad_algorithm", str(alg))
        kid = header.get("kid")
        if not kid:
            raise LtiError("bad_token", "the JWT header has no kid")
        registration = self.validated_registration()
        key_set_url = registration.get_key_set_url()
        # DbToolConf builds every registration from platforms.key_set_url, which is NOT NULL.
        assert key_set_url is not None, "the registration has no key set URL"
        jwk = self.platform_keys.find(key_set_url, kid)
        public_key = RSAAlgorithm.from_jwk(json.dumps(jwk))
        try:
            jwt.decode(
                self._get_id_token(),
                public_key,  # type: ignore[arg-type]
                algorithms=["RS256"],
                audience=registration.get_client_id(),
                issuer=registration.get_issuer(),
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "nonce"]},
            )
        except jwt.ExpiredSignatureError:
            raise LtiError("expired") from None
        except jwt.InvalidAudienceError:
            raise LtiError("bad_audience", str(self._jwt["body"].get("aud"))) from None
        except jwt.InvalidIssuerError:
            raise LtiError("bad_issuer", str(self._jwt["body"].get("iss"))) from None
        except jwt.MissingRequiredClaimError as exc:
            raise LtiError("missing_claim", exc.claim) from None
        except jwt.ImmatureSignatureError:
            raise LtiError("bad_claim", "iat is in the future") from None
        except jwt.exceptions.InvalidSubjectError:
            # PyJWT checks sub's type only once the signature holds: a bad claim, not a bad signature.
            raise LtiError("bad_claim", "sub must be a string") from None
        except jwt.InvalidTokenError as exc:
            raise LtiError("bad_signature", type(exc).__name__) from None
        body = self._jwt["body"]
        aud = body.get("aud")
        # OIDC core 3.1.3.7: with several audiences, azp must name this client.
        if isinstance(aud, list) and len(aud) > 1 and body.get("azp") != registration.get_client_id():
            raise LtiError("bad_audience", "azp does not name this tool")
        return self

    def _validate_required_claims(self) -> None:
        body: Mapping[str, Any] = self._jwt["body"]
        message_type = body.get(CLAIM + "message_type")
        if not message_type:
            raise LtiError("missing_claim", "message_type")
        if body.get(CLAIM + "version") != "1.3.0":
            raise LtiError("bad_claim", f"version must be 1.3.0, got {body.get(CLAIM + 'version')!r}")
        if not body.get(CLAIM + "deployment_id"):
            raise LtiError("missing_claim", "deployment_id")
        if not body.get("sub"):
            raise LtiError("missing_claim", "sub")
        if CLAIM + "roles" not in body:
            raise LtiError("missing_claim", "roles")
        if message_type == RESOURCE_LINK and not (body.get(CLAIM + "resource_link") or {}).get("id"):
            raise LtiError("missing_claim", "resource_link.id")
        if message_type == DEEP_LINK and not body.get(
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
        ):
            raise LtiError("missing_claim", "deep_linking_settings")
        if message_type not in (RESOURCE_LINK, DEEP_LINK):
            raise LtiError("bad_claim", f"unsupported message_type {message_type}")

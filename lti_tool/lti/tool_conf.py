"""pylti1p3 tool configuration read from the `platforms` table (many platforms at once)."""

from __future__ import annotations

from typing import Any

from pylti1p3.deployment import Deployment as LtiDeployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import select

from ..extensions import db
from ..keys import KeyStore
from ..models import Deployment, Platform


class ToolRegistration(Registration):
    """A Registration that signs with the tool's current key and names it by our kid."""

    _kid: str | None = None

    def get_kid(self) -> str | None:
        return self._kid

    def get_jwks(self) -> list[Any]:
        return []


class DbToolConf(ToolConfAbstract[Any]):
    def __init__(self, keys: KeyStore) -> None:
        self._keys = keys

    # Every issuer may have several client ids (a Moodle site with two tool registrations).
    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_platform(self, iss: str, client_id: str | None) -> Platform | None:
        query = select(Platform).where(Platform.issuer == iss)
        if client_id:
            return db.session.scalars(query.where(Platform.client_id == client_id)).first()
        # Some platforms omit client_id at login initiation: accept only when unambiguous.
        found = db.session.scalars(query.limit(2)).all()
        return found[0] if len(found) == 1 else None

    def _registration(self, platform: Platform) -> ToolRegistration:
        key = self._keys.signing_key()
        reg = ToolRegistration()
        reg.set_issuer(platform.issuer).set_client_id(platform.client_id).set_auth_login_url(
            platform.auth_login_url
        ).set_auth_token_url(platform.auth_token_url).set_key_set_url(platform.key_set_url)
        if platform.auth_audience:
            reg.set_auth_audience(platform.auth_audience)
        reg.set_tool_private_key(self._keys.private_pem(key))
        reg._kid = key.kid
        return reg

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Registration:
        platform = self.find_platform(iss, None)
        return self._registration(platform) if platform else None  # type: ignore[return-value]

    def find_registration_by_params(
        self, iss: str, client_id: str, *args: Any, **kwargs: Any
    ) -> Registration:
        platform = self.find_platform(iss, client_id)
        return self._registration(platform) if platform else None  # type: ignore[return-value]

    def find_deployment(self, iss: str, deployment_id: str) -> LtiDeployment | None:
        return self.find_deployment_by_params(iss, deployment_id, "")

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str, *args: Any, **kwargs: Any
    ) -> LtiDeployment | None:
        platform = self.find_platform(iss, client_id or None)
        if platform is None:
            return None
        found = db.session.scalar(
            select(Deployment.id).where(
                Deployment.platform_id == platform.id, Deployment.deployment_id == deployment_id
            )
        )
        return LtiDeployment().set_deployment_id(deployment_id) if found else None

"""Mount the development LMS at /devlms — only in development or demo mode.

`create_app` imports this module only when YANXIU_ENV is development or demo, and the devlms
package refuses a demo app under production as a second lock.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from .demo import DEMO_CLIENT_ID, DEMO_DEPLOYMENT_ID

PREFIX = "/devlms"


def _platform_key(instance: Path) -> str:
    """Keep the demo platform's key across restarts (the tool caches the platform's JWKS)."""
    path = instance / "devlms_private_key.pem"
    if path.exists():
        return path.read_text()
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    instance.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(pem)
    return pem


def mount_devlms(app: Flask) -> None:
    if app.config["YANXIU_ENV"] not in ("development", "demo"):
        raise RuntimeError("the development LMS is only available in development or demo mode")
    from .devlms import PlatformConfig, ToolEndpoints, create_platform_app

    base = app.config.get("BASE_URL")
    if not base:
        raise RuntimeError("YANXIU_BASE_URL must be set to serve the development LMS (yanxiu demo sets it)")
    tool = ToolEndpoints(
        login_url=base + "/lti/login",
        launch_url=base + "/lti/launch",
        redirect_uris=[base + "/lti/launch", base + "/lti/deep-link"],
        jwks_url=base + "/.well-known/jwks.json",
        deep_link_url=base + "/lti/deep-link",
    )
    config = PlatformConfig(
        issuer=base + PREFIX,
        tool=tool,
        profile="moodle",
        client_id=DEMO_CLIENT_ID,
        deployment_id=DEMO_DEPLOYMENT_ID,
        private_key_pem=_platform_key(Path(app.instance_path)),
        secret_key=app.config["SECRET_KEY"] + ":devlms",
    )
    platform: Any = create_platform_app(config, purpose="demo")
    app.extensions["yanxiu"].extra["devlms_state"] = platform.extensions["devlms"]
    app.wsgi_app = DispatcherMiddleware(app.wsgi_app, {PREFIX: platform})  # type: ignore[method-assign]

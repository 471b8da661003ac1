"""Fixtures: the platform simulator and a fake tool, each on its own loopback port, real HTTP between."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask
from werkzeug.serving import make_server

from lti_tool.devlms import LaunchDriver, PlatformConfig, PlatformState, create_platform_app

from ..fixtures.servers import LateBoundApp
from .fake_tool import FakeTool


class ServerThread:
    """A threaded werkzeug server on 127.0.0.1:0 that stops within ~50 ms (short poll interval)."""

    def __init__(self, app: Any) -> None:
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


@dataclass
class Harness:
    """One platform + one fake tool, registered with each other."""

    cfg: PlatformConfig
    app: Flask
    state: PlatformState
    tool: FakeTool
    driver: LaunchDriver
    platform_url: str

    def bearer(self, *scopes: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tool.access_token(*scopes)}"}

    def last_claims(self) -> dict[str, Any]:
        return self.tool.launches[-1]


@pytest.fixture(scope="session")
def platform_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


@pytest.fixture(scope="session")
def tool_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def make_harness(platform_pem: bytes, tool_key: rsa.RSAPrivateKey) -> Iterator[Callable[..., Harness]]:
    servers: list[ServerThread] = []
    sessions: list[requests.Session] = []

    def build(profile: str = "moodle", issuer_suffix: str = "", wrap: Callable[[Flask], Any] | None = None,
              **overrides: Any) -> Harness:
        """`issuer_suffix` is appended to the platform server's URL; `wrap` wraps the app (mounting)."""
        platform_slot, tool_slot = LateBoundApp(), LateBoundApp()
        platform_server, tool_server = ServerThread(platform_slot).start(), ServerThread(tool_slot).start()
        servers.extend([platform_server, tool_server])
        client_id = overrides.pop("client_id", "yanxiu-test")
        tool = FakeTool(tool_server.url, client_id, tool_key)
        issuer = platform_server.url + issuer_suffix
        cfg = PlatformConfig(issuer=issuer, profile=profile, client_id=client_id,  # type: ignore[arg-type]
                             tool=tool.endpoints, private_key_pem=platform_pem, **overrides)
        app = create_platform_app(cfg)
        platform_slot.target = wrap(app) if wrap else app
        tool.platform = cfg
        tool_slot.target = tool.app
        session = requests.Session()
        sessions.append(session)
        return Harness(cfg, app, app.extensions["devlms"], tool, LaunchDriver(cfg.base_url, session),
                       platform_server.url)

    yield build
    for session in sessions:
        session.close()
    for server in servers:
        server.stop()


@pytest.fixture
def moodle(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness("moodle")


@pytest.fixture
def openedx(make_harness: Callable[..., Harness]) -> Harness:
    return make_harness("openedx")

"""`yanxiu demo`: migrate, register the built-in development LMS, print where to go, serve."""

from __future__ import annotations

import os

import click

DEMO_CLIENT_ID = "yanxiu-demo"
DEMO_DEPLOYMENT_ID = "1"


def register_devlms(app: object) -> None:
    """Register the mounted development LMS as a platform (idempotent)."""
    from .platforms import PlatformInput, upsert_platform

    state = app.extensions["yanxiu"].extra["devlms_state"]  # type: ignore[attr-defined]
    upsert_platform(
        PlatformInput(
            issuer=state.config.issuer,
            client_id=DEMO_CLIENT_ID,
            auth_login_url=state.config.auth_login_url,
            auth_token_url=state.config.auth_token_url,
            key_set_url=state.config.key_set_url,
            deployment_ids=[DEMO_DEPLOYMENT_ID],
            name="开发用 LMS (demo)",
            kind="other",
        )
    )


def run_demo(host: str, port: int) -> None:
    from flask_migrate import upgrade

    from . import create_app
    from .server import run_gunicorn

    base = os.environ.setdefault("YANXIU_BASE_URL", f"http://{host}:{port}")
    app = create_app()
    with app.app_context():
        upgrade()
        register_devlms(app)
    click.echo(
        "\n研修 Yanxiu demo is running.\n"
        f"  打开 / open:  {base}/devlms/\n"
        "  在开发用 LMS 页面选择身份进入（坊主 / 辅导老师 / 学员）。\n"
        "  Pick a person on the development LMS page to launch as host, tutor or participant.\n"
    )
    # One process, several threads: the development LMS keeps its state in memory.
    run_gunicorn(host=host, port=port, workers=1, threads=8, factory=create_app, accesslog=None,
                 post_worker_init=lambda worker: _worker_init(worker, base))


def _worker_init(worker: object, base: str) -> None:
    """The forwarder, as in every embedded run, then the demo workshop's set-up in the background
    (it launches through the development LMS, which lives in this worker)."""
    import threading

    from .demo_seed import seed_when_serving
    from .server import _start_forwarder_thread

    _start_forwarder_thread(worker)
    threading.Thread(target=seed_when_serving, args=(base, click.echo), name="demo-seed", daemon=True).start()

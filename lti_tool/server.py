"""gunicorn, embedded: `yanxiu serve` and `yanxiu demo` run the app under a production server."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):
    def __init__(self, factory: Callable[[], Any], options: dict[str, Any]) -> None:
        self._factory = factory
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings and "control_socket_disable" not in self._options:
            # gunicorn ≥ 24 opens a control socket at ~/.gunicorn/gunicorn.ctl, one path for every
            # server of the user (two `yanxiu serve` would share it; systemd's ProtectHome forbids
            # it) and slowing shutdown by seconds. Nothing here uses it.
            self.cfg.set("control_socket_disable", True)

    def load(self) -> Any:
        return self._factory()


# Collect the youngest generation every 10,000 net allocations instead of 700: a batch of 1,000
# statements allocates a few hundred thousand objects that all live until the response, and the
# default made the collector walk them over and over (a sixth of the intake's time, `make bench`).
GC_THRESHOLDS = (10_000, 10, 10)


def _worker_ready(worker: Any) -> None:
    """In each worker once the app is loaded: move what is loaded (modules, templates, the app) out of
    the collector's way, then the thresholds above."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def _start_forwarder_thread(worker: Any) -> None:
    """Embedded default: the worker made ready, then the forwarder as a daemon thread in it."""
    import threading

    _worker_ready(worker)
    from .statements.forwarder import run_loop

    stop = threading.Event()
    thread = threading.Thread(target=run_loop, args=(worker.wsgi, stop), name="xapi-forwarder", daemon=True)
    thread.start()


def run_gunicorn(
    host: str,
    port: int,
    workers: int,
    threads: int,
    factory: Callable[[], Any] | None = None,
    forwarder_thread: bool = False,
    **extra: Any,
) -> None:
    if factory is None:
        from . import create_app

        factory = create_app
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread",
        # A slow platform JWKS or LRS must not hang a worker forever; requests time out sooner.
        "timeout": 60,
        "graceful_timeout": 10,
        "accesslog": "-",
        # %(p)s is the worker's pid: with several workers, it shows which one served a request.
        "access_log_format": '%(h)s %(p)s "%(r)s" %(s)s %(b)s %(M)sms',
        # Workers import the app after fork: no shared DB connections or threads across processes.
        "preload_app": False,
    }
    options["post_worker_init"] = _start_forwarder_thread if forwarder_thread else _worker_ready
    options.update(extra)
    _Gunicorn(factory, options).run()

"""After a slow request the worker gives its free heap back to the system (memory_release.py):
measured on this machine's glibc, and hooked so that only slow requests pay for it, once their
answer is sent."""

from __future__ import annotations

import os
from typing import Any

import pytest

from lti_tool import memory_release

MIB = 1024 * 1024


def _rss() -> int:
    with open(f"/proc/{os.getpid()}/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_the_freed_heap_goes_back_to_the_system() -> None:
    """200 MiB of 4 KiB blocks freed under one block still in use at the top of the heap: glibc
    keeps them (it only shrinks the heap from its top); malloc_trim returns them."""
    blocks = [bytearray(4096) for _ in range(51_200)]
    pin = bytearray(4096)  # above the blocks: the heap cannot shrink from the top
    del blocks
    before = _rss()
    assert memory_release.release_memory(), "this machine's C library has malloc_trim"
    after = _rss()
    assert before - after > 150 * MIB, f"{before / MIB:.0f} → {after / MIB:.0f} MiB"
    assert len(pin) == 4096


@pytest.mark.parametrize(("slow_seconds", "released"), [(0.0, 1), (3600.0, 0)])
def test_only_a_slow_request_releases_and_after_its_answer(app: Any, monkeypatch: pytest.MonkeyPatch,
                                                         slow_seconds: float, released: int) -> None:
    calls: list[str] = []
    monkeypatch.setattr(memory_release, "SLOW_SECONDS", slow_seconds)
    monkeypatch.setattr(memory_release, "release_memory", lambda: calls.append("released") or True)
    with app.test_client() as client:
        resp = client.get("/healthz")
        assert resp.status_code == 200
        assert calls == [], "not before the answer is closed"
        resp.close()
    assert calls == ["released"] * released

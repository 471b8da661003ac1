"""What `yanxiu serve` does in each worker before serving (lti_tool/server.py)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from lti_tool.server import GC_THRESHOLDS, _worker_ready


@pytest.fixture
def restore_gc() -> Iterator[None]:
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_worker_moves_the_loaded_app_out_of_the_collectors_way(restore_gc: None) -> None:
    """The loaded app goes to the permanent generation and young objects are collected ten times
    less often, so a batch of statements is not walked over and over (`make bench BENCH=ingest`)."""
    gc.unfreeze()
    _worker_ready(object())
    assert gc.get_freeze_count() > 1000
    assert gc.get_threshold() == GC_THRESHOLDS
    assert GC_THRESHOLDS[0] > 700  # the interpreter's default

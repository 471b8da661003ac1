"""The forward bench: the forwarder's delivery against direct posts of the same bodies, each Ralph
checked to hold every statement once; its settings are checked and named when wrong."""

from __future__ import annotations

from typing import Any

import pytest

from bench import forward_bench

pytestmark = pytest.mark.ralph


def test_both_ralphs_receive_the_whole_history_once() -> None:
    seconds = forward_bench.measure("sqlite", 1_000, 400)  # raises if a Ralph or the outbox disagrees
    assert seconds["forwarder"] > 0 and seconds["direct"] > 0


@pytest.mark.parametrize(("name", "value", "message"), [
    ("BENCH_FORWARD_STATEMENTS", "12k", "BENCH_FORWARD_STATEMENTS must be an integer, got '12k'"),
    ("BENCH_FORWARD_BATCH", "5000", "BENCH_FORWARD_BATCH must be between 1 and 1,000, got 5,000"),
    ("BENCH_FORWARD_DB", "mysql", "BENCH_FORWARD_DB: unknown database"),
])
def test_a_bad_setting_is_named(name: str, value: str, message: str, monkeypatch: Any) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        forward_bench.run()

"""The write-back bench at a small size: every queued score reaches the platform at each width
(the bench raises otherwise), and each width is reported against the one-at-a-time reference."""

from __future__ import annotations

import pytest

from bench import writeback_bench


def test_the_writeback_bench_sends_every_score_and_reports_its_ratios(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(writeback_bench, "LEARNERS", 20)
    monkeypatch.setattr(writeback_bench, "DELAY_MS", 5.0)
    lines = writeback_bench.run()
    figures = writeback_bench.FIGURES
    assert figures["scores"] >= 20 and lines[0].startswith(f"{figures['scores']} gradebook scores")
    assert "one at a time (reference)" in lines[1]
    assert "4 at once" in lines[2] and "8 at once" in lines[3] and "× the reference" in lines[3]
    assert set(figures["seconds"]) == {"1", "4", "8"} and all(t > 0 for t in figures["seconds"].values())

"""The roster bench at a small size: it syncs every member, plans an import without errors, and
reports each figure against its reference (the bench raises if the sync or the plan went wrong)."""

from __future__ import annotations

import pytest

from bench import recompute_bench, roster_bench


def test_the_roster_bench_runs_and_reports_its_ratios(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(roster_bench, "MEMBERS", 300)
    monkeypatch.setattr(roster_bench, "IMPORT_ROWS", 100)
    lines = roster_bench.run()
    assert lines[0].startswith("a roster of 300 members")
    assert "× a raw INSERT" in lines[1] and "× reading the members" in lines[2] and "100 rows planned" in lines[3]
    figures = roster_bench.FIGURES
    assert figures["members"] == 300 and figures["import_rows"] == 100
    assert all(figures[k] > 0 for k in ("first_sync", "raw_insert", "resync", "read_members", "plan", "parse"))


def test_the_recompute_bench_runs_on_the_shared_workshop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(recompute_bench, "PARTICIPANTS", 60)
    lines = recompute_bench.run()
    assert "60 participants" in lines[0]
    assert all(recompute_bench.FIGURES[k] > 0 for k in ("engine", "first", "full_unchanged", "one_learner"))

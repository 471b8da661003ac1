"""The ingest bench measures the tool as a deployment that forwards runs it: one LRS registered
with the CLI, so every stored statement also writes its outbox row."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bench import datagen
from bench.ingest_bench import ToolServer, forwarding


def test_the_registered_lrs_is_owed_every_statement_the_tool_stores(tmp_path: Path) -> None:
    server = ToolServer(f"sqlite:///{tmp_path / 'bench.sqlite3'}", tmp_path)
    server.migrate()
    server.add_lrs()
    with server.app():
        from lti_tool.extensions import db
        from lti_tool.models import Lrs, OutboxEntry
        from lti_tool.statements.store import store_statements

        store_statements(datagen.statements(25, tag="lrs", seed=3))
        lrs = db.session.scalars(select(Lrs)).one()
        assert lrs.active and lrs.name == "bench: never delivered"
        owed = db.session.scalar(select(func.count()).select_from(OutboxEntry).where(OutboxEntry.lrs_id == lrs.id))
        assert owed == 25


@pytest.mark.parametrize(("value", "expected"), [(None, True), ("1", True), ("0", False)])
def test_forwarding_is_on_unless_switched_off(value: str | None, expected: bool, monkeypatch: Any) -> None:
    if value is None:
        monkeypatch.delenv("BENCH_INGEST_LRS", raising=False)
    else:
        monkeypatch.setenv("BENCH_INGEST_LRS", value)
    assert forwarding() is expected


def test_a_bad_setting_is_named(monkeypatch: Any) -> None:
    monkeypatch.setenv("BENCH_INGEST_LRS", "true")
    with pytest.raises(ValueError, match="BENCH_INGEST_LRS must be 0 or 1, got 'true'"):
        forwarding()

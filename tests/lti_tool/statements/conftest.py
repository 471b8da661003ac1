"""Fixtures shared by the statement tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fixtures.ralph_lrs import RalphServer


@pytest.fixture
def ralph() -> Iterator[RalphServer]:
    """A real Ralph LRS on 127.0.0.1, stopped after the test."""
    server = RalphServer().start()
    try:
        yield server
    finally:
        server.close()

"""The ingest bench's "work" reference: the intake's own checks, with no HTTP and no database."""

from __future__ import annotations

import gc

import pytest

from bench import datagen
from bench.ingest_bench import ceiling, product_work
from xapi import ValidationError


def test_the_work_validates_every_batch_and_leaves_the_collector_as_it_was() -> None:
    statements = datagen.statements(30, tag="work", seed=1)
    before = gc.get_threshold()
    assert product_work(statements, 10) > 0
    bad = [*statements[:20], {**statements[20], "verb": {"id": "not an IRI"}}]
    with pytest.raises(ValidationError, match=r"\[0\]\.verb\.id"):  # the second batch's first statement
        product_work(bad, 20)
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize(("work", "raw", "expected"), [(1, 1, 0.5), (3, 1, 0.75), (1, 3, 0.25)])
def test_the_ceiling_is_work_over_work_plus_raw(work: float, raw: float, expected: float) -> None:
    assert ceiling(work, raw) == pytest.approx(expected)

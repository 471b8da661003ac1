"""Micro-benchmark: our validator vs Ralph's BaseXapiStatement on the same statements.

Not a test (timings are machine-dependent). Run from the repository root:

    .venv/bin/python -m xapi._bench            # the test corpus (valid + invalid) and the valid bases

Ralph is a test dependency only, so it is imported here, inside the function, never by `xapi`.
"""

from __future__ import annotations

import copy
import importlib
import time
from collections.abc import Callable, Sequence
from typing import Any

from . import _patterns, _structure
from .validate import check_statement


def _check_cold(statement: Any) -> object:
    """The validator with its IRI / language-tag caches and its activity memo emptied first: the worst
    case, where no IRI or activity of the statement was seen before."""
    _patterns._good_iris.clear()
    _patterns._good_tags.clear()
    _structure._valid_activities.clear()
    return check_statement(statement)


def _rate(check: Callable[[Any], object], statements: Sequence[dict[str, Any]], min_seconds: float) -> float:
    """Statements per second, repeating the whole list until `min_seconds` have passed."""
    done = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < min_seconds:
        for statement in statements:
            check(statement)
        done += len(statements)
        elapsed = time.perf_counter() - start
    return done / elapsed


def compare(statements: Sequence[dict[str, Any]], min_seconds: float = 2.0) -> dict[str, float]:
    """{'ours': /s, 'ours_cold': /s (caches emptied per statement), 'ralph': /s, 'ratio', 'ratio_cold'}."""
    # Imported by name: Ralph (a test dependency) is untyped and must stay out of `xapi`'s imports.
    model = importlib.import_module("ralph.models.xapi.base.statements").BaseXapiStatement

    def ralph(statement: dict[str, Any]) -> bool:
        try:
            model.model_validate(statement)
        except (KeyError, TypeError, ValueError):  # pydantic's ValidationError is a ValueError
            return False
        return True

    # Each side gets its own copy: neither may profit from the other touching the dicts first.
    ours_rate = _rate(check_statement, copy.deepcopy(list(statements)), min_seconds)
    cold_rate = _rate(_check_cold, copy.deepcopy(list(statements)), min_seconds)
    ralph_rate = _rate(ralph, copy.deepcopy(list(statements)), min_seconds)
    return {
        "ours": ours_rate,
        "ours_cold": cold_rate,
        "ralph": ralph_rate,
        "ratio": ours_rate / ralph_rate,
        "ratio_cold": cold_rate / ralph_rate,
    }


def main() -> None:
    corpus = importlib.import_module("tests.xapi.corpus")  # the repository's test corpus
    suites = {"corpus (valid + invalid)": corpus.corpus(), "valid statements only": list(corpus.valid_bases().values())}
    for name, statements in suites.items():
        figures = compare(statements)
        print(
            f"{name:26} n={len(statements):5}  ours {figures['ours']:>8,.0f}/s "
            f"(cold caches {figures['ours_cold']:>7,.0f}/s)  ralph {figures['ralph']:>6,.0f}/s  "
            f"ratio {figures['ratio']:4.1f}x (cold {figures['ratio_cold']:4.1f}x)"
        )


if __name__ == "__main__":
    main()

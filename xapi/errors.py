"""The validator's error: which field, which rule (the HTTP layer answers 400 naming both)."""

from __future__ import annotations

from typing import Any


class ValidationError(ValueError):
    """An invalid statement: `path` is the JSON path of the offending field (`actor.account.homePage`,
    `[3].verb.id` in a batch), `rule` the rule it breaks (`must be an IRI`)."""

    def __init__(self, path: str, rule: str) -> None:
        super().__init__(f"{path}: {rule}" if path else rule)
        self.path = path
        self.rule = rule

    def __reduce__(self) -> tuple[Any, ...]:  # picklable for multiprocessing workers
        return (ValidationError, (self.path, self.rule))


def unknown_property(value: dict[str, Any], allowed: frozenset[str], path: str) -> ValidationError:
    """The first (sorted) property outside `allowed`: xAPI objects are closed (Ralph: extra="forbid")."""
    extra = sorted(str(k) for k in value if k not in allowed)[0]
    return ValidationError(f"{path}.{extra}" if path else str(extra), "is not an allowed property here")

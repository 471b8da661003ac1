"""The inputs a grading policy reads (`scores.required`, `hours.teacher_growth`, …), found by
walking its components, so the host can say where each one comes from in this workshop."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from grading import Policy

SLOT_KINDS = ("scores", "hours", "assignments", "counts", "attendance")


@dataclass(frozen=True)
class Slot:
    kind: str  # one of SLOT_KINDS
    key: str
    label: str  # the component's label (for the host), or the key
    max: Decimal  # the scale of a score slot (the component's max); 0 for the others

    @property
    def name(self) -> str:
        return f"{self.kind}.{self.key}"


def policy_slots(policy: Policy) -> list[Slot]:
    """Every distinct input of the policy, in the order the components list them."""
    seen: dict[str, Slot] = {}
    for _, comp in policy.walk():
        if comp.source is None:
            continue
        kind, options = comp.source.type, comp.source.options
        found: list[Slot] = []
        if kind in ("score", "manual"):
            found.append(Slot("scores", options.key, comp.name, comp.max))
        elif kind == "hours":
            found.append(Slot("hours", options.key, comp.name, Decimal(0)))
        elif kind == "assignments":
            found.append(Slot("assignments", options.key, comp.name, Decimal(0)))
        elif kind == "counts":
            found.extend(Slot("counts", item.kind, f"{comp.name}·{item.kind}", Decimal(0)) for item in options.items)
        elif kind == "attendance":
            found.append(Slot("attendance", options.key, comp.name, Decimal(0)))
        for slot in found:
            seen.setdefault(slot.name, slot)
    return list(seen.values())

"""Named presets (YAML files in `grading/presets/`) and `load_policy`.

YAML floats are read as Decimal (a YAML 0.7 must never become the float 0.7000000000000000666).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from .policy import Policy
from .schema import PolicyError, policy_from_mapping

PRESET_DIR = Path(__file__).parent / "presets"


class DecimalLoader(yaml.SafeLoader):
    """SafeLoader whose floats are Decimals."""


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    return Decimal(text.replace("_", ""))


DecimalLoader.add_constructor("tag:yaml.org,2002:float", _decimal)
# YAML 1.1 reads `on`, `yes`, `no` as booleans, which would turn the band key `on:` into True;
# only true/false are booleans here (as in YAML 1.2).
_BOOL = "tag:yaml.org,2002:bool"
DecimalLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
DecimalLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class PresetInfo:
    name: str
    description: str
    source: str


class UnknownPreset(PolicyError):
    pass


def read_document(text: str, suffix: str = ".yaml") -> Any:
    if suffix == ".json":
        return json.loads(text, parse_float=Decimal)
    return yaml.load(text, Loader=DecimalLoader)  # noqa: S506 - DecimalLoader is a SafeLoader


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def list_presets() -> list[PresetInfo]:
    """Every shipped preset with its one-line description and source document."""
    out = []
    for name in preset_names():
        policy = load_policy(name)
        out.append(PresetInfo(policy.name, policy.description, policy.source))
    return out


def load_policy(spec: str | Path | Mapping[str, Any] | Policy) -> Policy:
    """A preset name, a path to a YAML/JSON file, or an already-parsed mapping → a validated Policy."""
    if isinstance(spec, Policy):
        return spec
    if isinstance(spec, Mapping):
        return policy_from_mapping(spec)
    path = Path(spec)
    if isinstance(spec, str) and spec in preset_names():
        path = PRESET_DIR / f"{spec}.yaml"
    elif not path.is_file():
        raise UnknownPreset(
            [f"(policy): {str(spec)!r} is neither a preset nor a file; presets: " + ", ".join(preset_names())]
        )
    try:
        document = read_document(path.read_text(encoding="utf-8"), path.suffix.lower())
    except (yaml.YAMLError, ValueError) as exc:
        raise PolicyError([f"(policy): cannot read {path.name}: {exc}"]) from None
    return policy_from_mapping(document)

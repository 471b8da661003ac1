"""Named presets (YAML files in `grading/presets/`) and `load_policy`.

YAML floats are read as Decimal (a YAML 0.7 must never become the float 0.7000000000000000666).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.constructor import ConstructorError

from .policy import Policy
from .schema import MAX_NESTING, PolicyError, policy_from_mapping

PRESET_DIR = Path(__file__).parent / "presets"


class DecimalLoader(yaml.SafeLoader):
    """SafeLoader whose floats are Decimals. It refuses mappings and lists nested deeper than the
    schema validates (MAX_NESTING): composing recurses once per level, and 3,000 `[` hit Python's
    recursion limit. A value it cannot build (the date 2026-13-45) is a YAML error with its line."""

    _open = 0  # mappings and lists being composed around the next node

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        if not self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent):
            return super().compose_node(parent, index)
        if self._open >= MAX_NESTING:
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
            raise ComposerError(None, None, f"nested more than {MAX_NESTING} levels deep", mark)
        self._open += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._open -= 1


def _marked(construct: Callable[..., Any], what: str) -> Callable[[yaml.SafeLoader, yaml.Node], Any]:
    """`construct`, its ValueError (a timestamp such as 2026-13-45, an integer of 5,000 digits) or
    ArithmeticError (the sexagesimal 1:30.5 as a Decimal) turned into a YAML error at the node."""

    def checked(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except (ValueError, ArithmeticError) as exc:
            text = str(node.value)
            shown = text if len(text) <= 40 else text[:40] + "…"
            detail = f": {exc}" if isinstance(exc, ValueError) else ""
            raise ConstructorError(None, None, f"{shown!r} is not a valid {what}{detail}", node.start_mark) from None

    return checked


def _decimal(loader: yaml.SafeLoader, node: yaml.Node) -> Decimal:
    text = str(loader.construct_scalar(node))  # type: ignore[arg-type]
    return Decimal(text.replace("_", ""))


DecimalLoader.add_constructor("tag:yaml.org,2002:float", _marked(_decimal, "number"))
DecimalLoader.add_constructor("tag:yaml.org,2002:int", _marked(yaml.SafeLoader.construct_yaml_int, "number"))
DecimalLoader.add_constructor("tag:yaml.org,2002:timestamp", _marked(yaml.SafeLoader.construct_yaml_timestamp, "date"))
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


class DocumentError(PolicyError):
    """A text that is not a readable YAML/JSON document: `problem`, and its `line` when known."""

    def __init__(self, problem: str, line: int | None = None, source: str = "the document") -> None:
        where = f" (line {line})" if line is not None else ""
        super().__init__([f"(policy): cannot read {source}{where}: {problem}"])
        self.problem, self.line = problem, line


def read_document(text: str, suffix: str = ".yaml") -> Any:
    """A policy text as plain data (floats as Decimals); DocumentError says what is wrong and where."""
    if suffix == ".json":
        try:
            return json.loads(text, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            raise DocumentError(exc.msg, exc.lineno) from None
        except ValueError as exc:  # an integer of more than 4,300 digits
            raise DocumentError(str(exc)) from None
        except RecursionError:  # how the json decoder refuses deep nesting
            raise DocumentError("nested too deeply") from None
    try:
        return yaml.load(text, Loader=DecimalLoader)  # noqa: S506 - DecimalLoader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        raise DocumentError(exc.problem or str(exc), mark.line + 1 if mark is not None else None) from None
    except yaml.YAMLError as exc:  # unreadable characters, with their position in the text
        raise DocumentError(str(exc)) from None


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
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(f"not UTF-8 text ({exc.reason})", source=path.name) from None
    try:
        document = read_document(text, path.suffix.lower())
    except DocumentError as exc:
        raise DocumentError(exc.problem, exc.line, path.name) from None
    return policy_from_mapping(document)

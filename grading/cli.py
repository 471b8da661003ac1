"""`grade` commands (mounted as `yanxiu grade …`; also `python -m grading`).

Any bad input (unknown policy, malformed line, unknown key, score above max) is reported with its
line number and field, exit status 2, and nothing is written: outputs are rendered in memory and
moved into place only when complete.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import NoReturn

import click

from .engine import check_record, compute
from .explain import explain as explain_text
from .notes import Lang
from .output import render_csv, render_json, render_xlsx
from .policy import Policy
from .presets import list_presets, load_policy
from .records import LearnerRecord, RecordError, parse_record
from .results import LearnerResult
from .schema import PolicyError

EXIT_INPUT = 2


def _fail(lines: Iterable[str], footer: str = "") -> NoReturn:
    for line in lines:
        click.echo(line, err=True)
    if footer:
        click.echo(footer, err=True)
    raise click.exceptions.Exit(EXIT_INPUT)


def _policy(spec: str) -> Policy:
    try:
        return load_policy(spec)
    except PolicyError as exc:
        _fail([f"policy {spec}:", *(f"  {e}" for e in exc.errors)])


def read_records(policy: Policy, path: Path) -> tuple[list[LearnerRecord], list[str]]:
    """Parse a JSON-lines file; return the records and every problem as "line N: field: message"."""
    records: list[LearnerRecord] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        return [], [f"{path}: not UTF-8 text ({exc.reason})"]
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line, parse_float=Decimal)
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: invalid JSON: {exc.msg} (column {exc.colno})")
            continue
        try:
            record = parse_record(data)
        except RecordError as exc:
            errors.append(f"line {number}: {exc.field}: {exc.message}")
            continue
        problems = check_record(policy, record)
        errors += [f"line {number}: {e.field}: {e.message}" for e in problems]
        if record.learner in seen:
            first = seen[record.learner]
            errors.append(f"line {number}: learner: duplicate id {record.learner!r} (first on line {first})")
        seen.setdefault(record.learner, number)
        if not problems:
            records.append(record)
    return records, errors


def _load(policy_spec: str, records_path: str) -> tuple[Policy, list[LearnerResult]]:
    policy = _policy(policy_spec)
    records, errors = read_records(policy, Path(records_path))
    if errors:
        _fail(errors, f"{len(errors)} problem(s) in {records_path}; nothing was written.")
    return policy, compute(policy, records)


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then rename: readers never see half a file."""
    handle, temp = tempfile.mkstemp(dir=path.parent or Path("."), prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


@click.group(name="grade")
def grade() -> None:
    """成绩 Grades: compute, explain, list presets."""


@grade.command("presets")
def presets_command() -> None:
    """List the shipped presets with a one-line description."""
    for info in list_presets():
        click.echo(f"{info.name}\t{info.description}\t[{info.source}]")


@grade.command("compute")
@click.option("--policy", "policy_spec", required=True, help="Preset name or a YAML/JSON policy file.")
@click.option("--records", "records_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json", show_default=True
)
@click.option(
    "--output",
    "output",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="File to write; standard output when omitted (not for xlsx).",
)
@click.option(
    "--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True, help="Language of notes."
)
def compute_command(policy_spec: str, records_path: str, fmt: str, output: str | None, lang: Lang) -> None:
    """Grade every learner in a JSON-lines file."""
    if fmt == "xlsx" and output is None:
        _fail(["--format xlsx needs --output PATH"])
    policy, results = _load(policy_spec, records_path)
    if fmt == "json":
        data = render_json(results, lang)
    elif fmt == "csv":
        data = render_csv(policy, results, bom=output is not None)
    else:
        data = render_xlsx(policy, results)
    if output is None:
        click.echo(data, nl=False)
    else:
        write_atomically(Path(output), data)
        click.echo(f"{len(results)} learner(s) graded with {policy.name} → {output}", err=True)


@grade.command("explain")
@click.option("--policy", "policy_spec", required=True, help="Preset name or a YAML/JSON policy file.")
@click.option("--records", "records_path", required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--learner", required=True, help="Learner id to explain.")
@click.option("--lang", type=click.Choice(["zh", "en"]), default="zh", show_default=True)
def explain_command(policy_spec: str, records_path: str, learner: str, lang: Lang) -> None:
    """Explain one learner's grade (computed within the whole file, for caps and rankings)."""
    _, results = _load(policy_spec, records_path)
    for result in results:
        if result.learner == learner:
            click.echo(explain_text(result, lang))
            return
    _fail([f"learner {learner!r} is not in {records_path}"])

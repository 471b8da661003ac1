"""The pure grade engine of Yanxiu: plain data in, explained results out.

No Flask, no database, no float: every number is a `decimal.Decimal`, rounded half up once, and
bands, passing and rankings are decided on the rounded total that is shown.

Stable public API (the web app calls only these):

    load_policy(spec: str | Path | Mapping | Policy) -> Policy
        A preset name ("zhucheng-remote"), a YAML/JSON file, or a parsed mapping. Raises
        PolicyError whose `.errors` are "path: message" lines.
    read_document(text, suffix=".yaml") -> Any        # a policy text as data (floats as Decimals);
        raises DocumentError (a PolicyError) with its `problem` and `line`
    list_presets() -> list[PresetInfo]                 # name, description, source
    parse_record(data: Mapping) -> LearnerRecord       # raises RecordError(field, message)
    check_record(policy, record) -> list[RecordError]  # unknown keys, scores above max
    compute(policy, records: Sequence[LearnerRecord]) -> list[LearnerResult]
        The whole cohort at once, results in input order (share caps and outstanding learners
        are decided per scope).
    result_to_json(result, lang="zh") -> dict          # decimals as strings
    explain(result, lang="zh") -> str                  # "zh" or "en"
    what_if(policy, record, cohort=()) -> WhatIf       # what is still needed to pass
    what_if_among(policy, record, standings) -> WhatIf  # the same, given the others' totals and passes
    tutor_results(own_scores, tutor_class, learner_results, ...) -> list[TutorResult]

Extending: a new score source is one class in `sources.py` plus one entry in `SCORERS`; a new
note is one entry in `notes.MESSAGES` (zh and en); a new preset is one YAML file in `presets/`.
"""

from .engine import check_record, compute, evaluate
from .explain import explain
from .notes import Note
from .policy import Policy
from .presets import DocumentError, PresetInfo, UnknownPreset, list_presets, load_policy, read_document
from .records import LearnerRecord, RecordError, parse_record
from .results import ComponentResult, LearnerResult, result_to_json
from .schema import PolicyError
from .sources import SCORERS
from .tutors import TutorResult, tutor_results
from .whatif import Need, Standing, WhatIf, standings_suffice, what_if, what_if_among

__all__ = [
    "SCORERS",
    "ComponentResult",
    "DocumentError",
    "LearnerRecord",
    "LearnerResult",
    "Need",
    "Note",
    "Policy",
    "PolicyError",
    "PresetInfo",
    "RecordError",
    "Standing",
    "TutorResult",
    "UnknownPreset",
    "WhatIf",
    "check_record",
    "compute",
    "evaluate",
    "explain",
    "list_presets",
    "load_policy",
    "parse_record",
    "read_document",
    "result_to_json",
    "standings_suffice",
    "tutor_results",
    "what_if",
    "what_if_among",
]

"""Result files: JSON lines, CSV and XLSX with Chinese headers, each rendered to bytes first.

Rendering to bytes before anything touches the disk is what lets the CLI promise "no output at
all" on an error.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from decimal import Decimal

from openpyxl import Workbook

from .explain import t
from .notes import Lang
from .numbers import plain, round_half_up
from .policy import Policy
from .results import LearnerResult, fixed, result_to_json

HEADERS = ["学员编号", "姓名", "学校", "班级", "总分", "等级", "是否合格", "学时", "学分", "优秀学员", "说明"]


def _component_headers(policy: Policy) -> list[tuple[str, str]]:
    return [(path, f"{c.label}({path})" if c.label else path) for path, c in policy.walk()]


def render_json(results: Sequence[LearnerResult], lang: Lang = "zh") -> bytes:
    lines = [json.dumps(result_to_json(r, lang), ensure_ascii=False) for r in results]
    return ("\n".join(lines) + ("\n" if lines else "")).encode("utf-8")


def _row(r: LearnerResult, lang: Lang) -> list[str]:
    return [
        r.learner,
        r.name,
        r.school,
        r.klass,
        fixed(r.total, r.precision),
        r.band,
        t("yes" if r.passed else "no", lang),
        plain(r.hours),
        plain(r.credits),
        t("yes" if r.outstanding else "no", lang),
        ";".join(n.render(lang) for n in r.notes),
    ]


def render_csv(policy: Policy, results: Sequence[LearnerResult], bom: bool = True) -> bytes:
    """UTF-8 CSV (with a BOM by default so Excel on Chinese Windows opens it correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    comps = _component_headers(policy)
    writer.writerow(HEADERS + [h for _, h in comps])
    for r in results:
        writer.writerow(_row(r, "zh") + [fixed(r.component(p).score, r.precision) for p, _ in comps])
    return ("\ufeff" if bom else "").encode("utf-8") + buffer.getvalue().encode("utf-8")


def render_xlsx(policy: Policy, results: Sequence[LearnerResult]) -> bytes:
    """An XLSX sheet; totals, hours, credits and component scores are numbers, shown to the precision."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "成绩"
    comps = _component_headers(policy)
    sheet.append(HEADERS + [h for _, h in comps])
    number_format = "0." + "0" * policy.precision if policy.precision else "0"
    numeric = {4, 7, 8}
    for r in results:
        row: list[str | Decimal] = list(_row(r, "zh"))
        row[4] = round_half_up(r.total, r.precision)
        row[7], row[8] = r.hours, r.credits
        row += [round_half_up(r.component(p).score, r.precision) for p, _ in comps]
        sheet.append(row)
        line = sheet.max_row
        for col in [*numeric, *range(len(HEADERS), len(HEADERS) + len(comps))]:
            if col != 7 and col != 8:
                sheet.cell(row=line, column=col + 1).number_format = number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

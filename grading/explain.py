"""Human explanations of a result, in Chinese (default) or English.

Hosts answer for these numbers in front of their county (program-rules.md "What a grade must
carry"): every component shows its inputs, score, weight and contribution; then the rounding,
band, pass, credits and every note.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from .notes import Lang
from .numbers import plain
from .results import ComponentResult, LearnerResult, contribution_text, fixed

LABELS: dict[str, dict[Lang, str]] = {
    "learner": {"zh": "学员", "en": "Learner"},
    "policy": {"zh": "方案", "en": "Policy"},
    "components": {"zh": "各项成绩", "en": "Components"},
    "source": {"zh": "来源", "en": "source"},
    "inputs": {"zh": "输入", "en": "inputs"},
    "score": {"zh": "得分", "en": "score"},
    "weight": {"zh": "权重", "en": "weight"},
    "contribution": {"zh": "贡献", "en": "contribution"},
    "pass_mark": {"zh": "合格线", "en": "pass mark"},
    "must_pass": {"zh": "必须合格", "en": "must pass"},
    "reached": {"zh": "已达到", "en": "reached"},
    "not_reached": {"zh": "未达到", "en": "not reached"},
    "total": {"zh": "总分", "en": "Total"},
    "rounding": {"zh": "四舍五入保留 {n} 位小数", "en": "rounded half up to {n} places"},
    "band": {"zh": "等级", "en": "Band"},
    "band_on_total": {"zh": "按总分", "en": "from the total"},
    "band_on": {"zh": "按「{c}」得分 {s}", "en": "from {c} score {s}"},
    "passed": {"zh": "是否合格", "en": "Passed"},
    "yes": {"zh": "是", "en": "yes"},
    "no": {"zh": "否", "en": "no"},
    "hours": {"zh": "学时", "en": "Study hours"},
    "credits": {"zh": "学分", "en": "Credits"},
    "outstanding": {"zh": "优秀学员", "en": "Outstanding learner"},
    "notes": {"zh": "说明", "en": "Notes"},
    "none": {"zh": "无", "en": "none"},
}


# Chinese text takes full-width punctuation (GB/T 15834), English ASCII with a space. The tool's
# pages put the same separators between a label and its value (lti_tool.i18n.Punctuation reads this).
PUNCT: dict[Lang, dict[str, str]] = {
    "zh": {"colon": "：", "comma": "，", "enumeration": "、", "semicolon": "；", "lp": "（", "rp": "）"},
    "en": {"colon": ": ", "comma": ", ", "enumeration": ", ", "semicolon": "; ", "lp": " (", "rp": ")"},
}


LONG_DECIMAL = re.compile(r"(-?\d+\.\d{4})\d+")


def _short(value: str) -> str:
    """An input as read, cut at four places with "…" when it has more (a mean of thirds read
    11.05611111111111111111111111); the exact value stays in the record shown beside it."""
    return LONG_DECIMAL.sub(r"\1…", value)


def t(key: str, lang: Lang, **params: str) -> str:
    return LABELS[key][lang].format(**params)


def _component_lines(c: ComponentResult, p: int, lang: Lang, depth: int) -> list[str]:
    pad = "  " * depth
    x = PUNCT[lang]
    name = f"{c.label} [{c.path}]" if lang == "zh" and c.label else c.path
    if lang == "en" and c.label:
        name = f"{c.path} ({c.label})"
    lines = [f"{pad}- {name}  {t('source', lang)}{x['colon']}{c.source}"]
    if c.inputs:
        shown = x["comma"].join(f"{k} = {_short(v)}" for k, v in c.inputs)
        lines.append(f"{pad}    {t('inputs', lang)}{x['colon']}{shown}")
    detail = (
        f"{t('score', lang)} {fixed(c.score, p)} / {plain(c.max)}{x['comma']}{t('weight', lang)} {plain(c.weight)}%"
        f"{x['comma']}{t('contribution', lang)} {contribution_text(c.contribution, p)}"
    )
    if c.pass_mark is not None:
        # "pass mark 16 (must pass): not reached" — the outcome named as such, where "must pass: no"
        # read as if passing were optional.
        ok = t("reached" if c.passed else "not_reached", lang)
        must = f"{x['lp']}{t('must_pass', lang)}{x['rp']}" if c.must_pass else ""
        detail += f"{x['semicolon']}{t('pass_mark', lang)} {plain(c.pass_mark)}{must}{x['colon']}{ok}"
    lines.append(f"{pad}    {detail}")
    for child in c.children:
        lines += _component_lines(child, p, lang, depth + 1)
    return lines


def _label(components: Sequence[ComponentResult], path: str) -> str:
    """A component's label (its path when it has none), searched through nested components."""
    for c in components:
        if c.path == path:
            return c.label or c.path
        found = _label(c.children, path)
        if found != path:
            return found
    return path


def explain(result: LearnerResult, lang: Lang = "zh", *, with_id: bool = True) -> str:
    """A plain-text explanation of one learner's result. `with_id`: the learner's id from the
    records (T02 in a file; the tool's pages name the learner without its internal member id)."""
    p = result.precision
    x = PUNCT[lang]
    colon, lp, rp = x["colon"], x["lp"], x["rp"]
    who = " ".join(v for v in (result.learner if with_id or not result.name else None, result.name) if v)
    where = " / ".join(v for v in (result.school, result.klass, result.group) if v)
    lines = [
        f"{t('learner', lang)}{colon}{who}" + (f"{lp}{where}{rp}" if where else ""),
        f"{t('policy', lang)}{colon}{result.policy}",
        f"{t('components', lang)}{colon.rstrip()}",
    ]
    for c in result.components:
        lines += _component_lines(c, p, lang, 1)
    lines.append(
        f"{t('total', lang)}{colon}{contribution_text(result.exact_total, p)} → {fixed(result.total, p)}"
        f"{lp}{t('rounding', lang, n=str(p))}{rp}"
    )
    if result.band_on == "total":
        basis = t("band_on_total", lang)
    else:
        basis = t("band_on", lang, c=_label(result.components, result.band_on), s=fixed(result.band_score, p))
    lines.append(f"{t('band', lang)}{colon}{result.band}{lp}{basis}{rp}")
    lines.append(
        f"{t('passed', lang)}{colon}{t('yes' if result.passed else 'no', lang)}"
        f"{lp}{t('pass_mark', lang)} {plain(result.pass_mark)}{rp}"
    )
    lines.append(f"{t('hours', lang)}{colon}{plain(result.hours)}")
    lines.append(f"{t('credits', lang)}{colon}{plain(result.credits)}")
    lines.append(f"{t('outstanding', lang)}{colon}{t('yes' if result.outstanding else 'no', lang)}")
    lines.append(f"{t('notes', lang)}{colon.rstrip()}")
    lines += [f"  - {n.render(lang)}" for n in result.notes] or [f"  {t('none', lang)}"]
    return "\n".join(lines)

"""Human explanations of a result, in Chinese (default) or English.

Hosts answer for these numbers in front of their county (program-rules.md "What a grade must
carry"): every component shows its inputs, score, weight and contribution; then the rounding,
band, pass, credits and every note.
"""

from __future__ import annotations

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


def t(key: str, lang: Lang, **params: str) -> str:
    return LABELS[key][lang].format(**params)


def _component_lines(c: ComponentResult, p: int, lang: Lang, depth: int) -> list[str]:
    pad = "  " * depth
    name = f"{c.label} [{c.path}]" if lang == "zh" and c.label else c.path
    if lang == "en" and c.label:
        name = f"{c.path} ({c.label})"
    lines = [f"{pad}- {name}  {t('source', lang)}: {c.source}"]
    if c.inputs:
        shown = ", ".join(f"{k} = {v}" for k, v in c.inputs)
        lines.append(f"{pad}    {t('inputs', lang)}: {shown}")
    detail = (
        f"{t('score', lang)} {fixed(c.score, p)} / {plain(c.max)}, {t('weight', lang)} {plain(c.weight)}%, "
        f"{t('contribution', lang)} {contribution_text(c.contribution, p)}"
    )
    if c.pass_mark is not None:
        ok = t("yes" if c.passed else "no", lang)
        must = f", {t('must_pass', lang)}" if c.must_pass else ""
        detail += f"; {t('pass_mark', lang)} {plain(c.pass_mark)}{must}: {ok}"
    lines.append(f"{pad}    {detail}")
    for child in c.children:
        lines += _component_lines(child, p, lang, depth + 1)
    return lines


def explain(result: LearnerResult, lang: Lang = "zh") -> str:
    """A plain-text explanation of one learner's result."""
    p = result.precision
    who = " ".join(x for x in (result.learner, result.name) if x)
    where = " / ".join(x for x in (result.school, result.klass, result.group) if x)
    lines = [
        f"{t('learner', lang)}: {who}" + (f" ({where})" if where else ""),
        f"{t('policy', lang)}: {result.policy}",
        f"{t('components', lang)}:",
    ]
    for c in result.components:
        lines += _component_lines(c, p, lang, 1)
    lines.append(
        f"{t('total', lang)}: {contribution_text(result.exact_total, p)} → {fixed(result.total, p)} "
        f"({t('rounding', lang, n=str(p))})"
    )
    if result.band_on == "total":
        basis = t("band_on_total", lang)
    else:
        basis = t("band_on", lang, c=result.band_on, s=fixed(result.band_score, p))
    lines.append(f"{t('band', lang)}: {result.band} ({basis})")
    lines.append(
        f"{t('passed', lang)}: {t('yes' if result.passed else 'no', lang)} "
        f"({t('pass_mark', lang)} {plain(result.pass_mark)})"
    )
    lines.append(f"{t('hours', lang)}: {plain(result.hours)}")
    lines.append(f"{t('credits', lang)}: {plain(result.credits)}")
    lines.append(f"{t('outstanding', lang)}: {t('yes' if result.outstanding else 'no', lang)}")
    lines.append(f"{t('notes', lang)}:")
    lines += [f"  - {n.render(lang)}" for n in result.notes] or [f"  {t('none', lang)}"]
    return "\n".join(lines)

"""Notes: every rule that changed a learner's outcome leaves one, as a code plus parameters.

Notes are data (so the web app can filter, count and translate them); `render` turns one into
Chinese or English through the message table below. A new rule adds one line per language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")


@dataclass(frozen=True)
class Note:
    code: str
    params: Mapping[str, str] = field(default_factory=dict)

    def render(self, lang: Lang = "zh") -> str:
        return render(self, lang)


def note(code: str, **params: object) -> Note:
    if code not in MESSAGES:
        raise KeyError(f"no message for note code {code!r}")
    return Note(code, {k: str(v) for k, v in params.items()})


MESSAGES: dict[str, dict[Lang, str]] = {
    # Texts for teachers: Chinese with full-width punctuation, and no citations. A rule taken from
    # a program document names its source in a comment beside its note, never in the text.
    "null_score": {
        "zh": "{component}：成绩为空，按 0 分计",
        "en": "{component}: the score is empty (null), counted as 0",
    },
    "missing_score": {
        "zh": "{component}：没有成绩记录，按 0 分计",
        "en": "{component}: no score recorded, counted as 0",
    },
    "hours_capped": {
        "zh": "{component}：学时 {hours} 超过要求的 {required}，按满分计",
        "en": "{component}: {hours} hours exceed the required {required}; counted as full marks",
    },
    "count_capped": {
        "zh": "{component}：{kind} 得分 {points} 超过单项上限 {cap}，按 {cap} 计",
        "en": "{component}: {kind} earns {points} points, above the per-item cap {cap}; counted as {cap}",
    },
    "total_capped": {
        "zh": "{component}：得分 {points} 超过上限 {cap}，按 {cap} 计",
        "en": "{component}: {points} points exceed the cap {cap}; counted as {cap}",
    },
    "assignments_padded": {
        "zh": "{component}：只有 {count} 份作业，少于要求的 {min_count} 份，缺少的按 0 分计",
        "en": "{component}: only {count} assignments, fewer than the {min_count} required; "
        "the missing ones count as 0",
    },
    # seed 003 意见2 二(四): "对于某门课程缺勤达该门课总学时的三分之一者,取消该门课程成绩".
    "attendance_course_cancelled": {
        "zh": "{component}：缺勤 {missed} 学时，占该课程 {scheduled} 学时的 {threshold} 以上，"
        "取消该课程成绩，记 0 分",
        "en": "{component}: {missed} of {scheduled} hours missed (at least {threshold}); "
        "the course score is cancelled and counts as 0",
    },
    # seed 003 意见2 二(四): "未参加培训课程达培训总课时三分之一者,按培训不及格处理".
    "attendance_all_failed": {
        "zh": "缺勤 {missed} 学时，占培训总课时 {scheduled} 学时的 {threshold} 以上，按培训不合格处理",
        "en": "{missed} of {scheduled} training hours missed (at least {threshold}); the training is failed",
    },
    "must_pass_failed": {
        "zh": "{component} 得分 {score}，未达到合格线 {pass_mark}；该项必须合格，整个项目不合格",
        "en": "{component} scored {score}, below its pass mark {pass_mark}; it must be passed, "
        "so the whole program is failed",
    },
    "component_failed": {
        "zh": "{component} 得分 {score}，未达到合格线 {pass_mark}",
        "en": "{component} scored {score}, below its pass mark {pass_mark}",
    },
    "total_below_pass": {
        "zh": "总分 {total} 低于合格线 {pass_mark}",
        "en": "the total {total} is below the pass mark {pass_mark}",
    },
    "band_demoted_by_cap": {
        "zh": "{scope_kind}「{scope}」的「{band}」最多 {limit} 人（共 {size} 人的 {share}%）；"
        "排名第 {rank}（并列 {tied} 人）超出名额，降为「{new_band}」",
        "en": "{scope_kind} '{scope}' may have at most {limit} in '{band}' ({share}% of {size}); "
        "rank {rank} ({tied} tied) is beyond it, so it moves down to '{new_band}'",
    },
    "outstanding_selected": {
        "zh": "评为优秀学员（第 {rank} 名，名额 {limit} 人，为 {size} 人的 {share}%）",
        "en": "selected as an outstanding learner (rank {rank}; {limit} places, {share}% of {size})",
    },
    "outstanding_tie_excluded": {
        "zh": "总分 {total} 与其他 {others} 人并列，一同入选会超出优秀学员名额 {limit} 人，均不入选",
        "en": "the total {total} ties with {others} others; selecting all would exceed the "
        "{limit} outstanding places, so none of them is selected",
    },
    # seed 004 方案1 六(三): "如果有任一项未通过考核,均无法登记学分".
    "credits_withheld": {
        "zh": "有未通过的项目，不登记学分（合格可登记 {credits} 学分）",
        "en": "an item was failed, so no credits are registered (passing registers {credits})",
    },
}


def render(n: Note, lang: Lang = "zh") -> str:
    """Fill the template; a parameter `x_en` (or `x_zh`) overrides `x` in that language."""
    values: dict[str, str] = {}
    for key, value in n.params.items():
        if key.endswith(("_zh", "_en")):
            continue
        values[key] = n.params.get(f"{key}_{lang}", value)
    return MESSAGES[n.code][lang].format(**values)


def component_params(label: str, key: str) -> dict[str, str]:
    """The usual way a note names a component: its Chinese label, or its key in English."""
    return {"component": f"{label}" if label else key, "component_en": key}

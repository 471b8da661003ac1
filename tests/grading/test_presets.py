"""Each shipped preset against hand-computed cases (program-rules.md "Grading schemes")."""

from __future__ import annotations

from decimal import Decimal

import pytest

from grading import list_presets, load_policy

from .builders import codes, grade, one, record

D = Decimal


def test_every_preset_loads_and_names_its_source() -> None:
    """Every preset is loadable by name and carries a description and its seed source."""
    names = {p.name for p in list_presets()}
    assert names == {
        "zhenjiang-80-20",
        "process-summative-70-30",
        "dawukou-80-20",
        "contest-preliminary",
        "contest-final",
        "zhucheng-remote",
    }
    for info in list_presets():
        assert info.description and info.source.startswith("seed 004")
        assert load_policy(info.name).name == info.name


@pytest.mark.parametrize(
    ("scores", "total", "band", "passed"),
    [
        ({"process": "88.35", "summative": 70}, "82.85", "良好", True),  # 61.845 + 21 = 82.845 → half up
        ({"process": 100, "summative": 100}, "100.00", "优秀", True),
        ({"process": "85.71", "summative": 0}, "60.00", "合格", True),  # 59.997 → 60.00 shown, so it passes
        ({"process": "85.70", "summative": 0}, "59.99", "不合格", False),  # 59.99 stays below
        ({"process": "99.99", "summative": "76.67"}, "92.99", "优秀", True),  # 69.993 + 23.001 = 92.994
        ({"process": "92.85", "summative": "80"}, "89.00", "良好", True),  # 64.995 + 24 = 88.995 → 89.00
        ({"process": "94.29", "summative": "80"}, "90.00", "优秀", True),  # 66.003 + 24 = 90.003
    ],
)
def test_process_summative_70_30(scores: dict[str, object], total: str, band: str, passed: bool) -> None:
    """seed 004 方案1 四.5 with the design card's 70/30: total = 0.7 process + 0.3 summative,
    rounded half up to 2 places; band and pass are read from the shown total."""
    r = one("process-summative-70-30", scores)
    assert (f"{r.total:f}", r.band, r.passed) == (total, band, passed)


@pytest.mark.parametrize(
    ("scores", "total", "band"),
    [
        ({"required": 90, "optional": 60}, "84.00", "良好"),
        ({"required": "72.5", "optional": "100"}, "78.00", "合格"),
        ({"required": "87.44", "optional": "100"}, "89.95", "良好"),  # 69.952 + 20 = 89.952
        ({"required": 100, "optional": None}, "80.00", "良好"),  # null counts 0, noted
    ],
)
def test_zhenjiang_80_20(scores: dict[str, object], total: str, band: str) -> None:
    """seed 004 方案4 七.1: 必做的任务学习 80% + 选做的拓展学习 20%."""
    r = one("zhenjiang-80-20", scores)
    assert (f"{r.total:f}", r.band) == (total, band)
    if scores["optional"] is None:
        assert codes(r) == ["null_score"]


def test_zhenjiang_credits_from_hours() -> None:
    """Presets without a fixed rule: credits = study hours / 2 (seed 004 方案1 六(三) "2学时折合1学分")."""
    r = one(
        "zhenjiang-80-20", {"required": 80, "optional": 80}, hours={"phase1": 5, "phase2": 16, "phase3": 4}
    )
    assert (r.hours, r.credits) == (D(25), D("12.5"))
    assert one("zhenjiang-80-20", {"required": 80, "optional": 80}).credits == 0


@pytest.mark.parametrize(
    ("written", "practice", "total", "band", "passed"),
    [
        (90, 18, "90.00", "优秀", True),  # 72 + 18
        (70, 14, "70.00", "合格", True),  # practice 14 → 合格 whatever the total
        (100, 11, "91.00", "不合格", True),  # the band is the practice band, pass is the total
        (60, 17, "65.00", "良好", True),
        (50, 12, "52.00", "合格", False),
        ("62.5", 15, "65.00", "良好", True),
    ],
)
def test_dawukou_80_20(written: object, practice: int, total: str, band: str, passed: bool) -> None:
    """seed 004 方案7 二: 笔试 80% of the total; practice out of 20 points (18–20 优秀, 15–17 良好,
    12–14 合格, <12 不合格). The reported band is the practice band; passed means total ≥ 60."""
    fillers = [record(f"F{i}", {"written": 0, "practice": 0}, school="一小") for i in range(3)]
    r = grade(
        "dawukou-80-20", record("L1", {"written": written, "practice": practice}, school="一小"), *fillers
    )[0]
    assert (f"{r.total:f}", r.band, r.passed) == (total, band, passed)
    assert r.component("practice").contribution == practice


def test_dawukou_at_most_a_quarter_of_a_school_excellent() -> None:
    """seed 004 方案7 二 "每校优秀人数不得超过总人数的25%": 8 teachers → at most 2 优秀, per school."""
    practice = [20, 19, 19, 19, 15, 15, 15, 15]
    school_a = [record(f"A{i}", {"written": 80, "practice": p}, school="A") for i, p in enumerate(practice)]
    school_b = [record("B1", {"written": 80, "practice": 19}, school="B")] + [
        record(f"B{i}", {"written": 60, "practice": 10}, school="B") for i in range(2, 5)
    ]
    results = grade("dawukou-80-20", *school_a, *school_b)
    a = [r for r in results if r.school == "A"]
    # A0 (20) takes one place; A1–A3 tie on 19 and would take three more, so all three move down.
    assert [r.learner for r in a if r.band == "优秀"] == ["A0"]
    assert {r.learner for r in a if "band_demoted_by_cap" in codes(r)} == {"A1", "A2", "A3"}
    assert all(r.band == "良好" for r in a[1:4])
    b1 = next(r for r in results if r.learner == "B1")
    assert b1.band == "优秀"  # 4 in school B → one place


@pytest.mark.parametrize(
    ("scores", "total"),
    [
        ({"writing": 80, "case": 90, "design_tech": 85, "teaching": 88}, "86.50"),  # 8+9+25.5+44
        ({"writing": 100, "case": 100, "design_tech": 100, "teaching": 100}, "100.00"),
        (
            {"writing": "75.5", "case": 0, "design_tech": "60.1", "teaching": "70.03"},
            "60.60",
        ),  # 7.55+18.03+35.015 = 60.595
    ],
)
def test_contest_preliminary(scores: dict[str, object], total: str) -> None:
    """seed 004 方案5: 书写 10% + 案例 10% + 教学设计与科技运用 30% + 课堂教学 50%."""
    assert f"{one('contest-preliminary', scores).total:f}" == total


@pytest.mark.parametrize(
    ("scores", "total"),
    [
        ({"feature": 80, "qa": 90, "design_microlesson": 85}, "85.00"),  # 12 + 13.5 + 59.5
        ({"feature": "93.3", "qa": "86.7", "design_microlesson": "91.5"}, "91.05"),  # 13.995+13.005+64.05
    ],
)
def test_contest_final(scores: dict[str, object], total: str) -> None:
    """seed 004 方案5 决赛: 特色项目 15% + 现场问答 15% + 教学设计和微型课堂 70%."""
    assert f"{one('contest-final', scores).total:f}" == total


FULL_HOURS = {"teacher_growth": 16, "mental_health": 16, "new_textbook": 12, "classroom_skills": 16}


@pytest.mark.parametrize(
    ("scores", "hours", "total", "passed", "credits"),
    [
        ({"process": 80, "summative": 70}, FULL_HOURS, "77.00", True, "30"),
        ({"process": 80, "summative": 70}, {**FULL_HOURS, "elective_ethics": 16}, "77.00", True, "30"),
        ({"process": 50, "summative": 70}, FULL_HOURS, "56.00", False, "0"),
        ({"process": 90, "summative": 90}, {**FULL_HOURS, "new_textbook": "11.5"}, "90.00", False, "0"),
        ({"process": 90, "summative": 90}, {}, "90.00", False, "0"),
    ],
)
def test_zhucheng_remote(
    scores: dict[str, object], hours: dict[str, object], total: str, passed: bool, credits: str
) -> None:
    """seed 004 方案1: 70/30 total, pass mark 60; the four required courses (16/16/12/16 学时, 二.2)
    must be complete; passing registers 30 credits and any failed item registers none (六(三))."""
    r = one("zhucheng-remote", scores, hours=hours)
    assert (f"{r.total:f}", r.passed, f"{r.credits}") == (total, passed, credits)
    if not passed:
        assert "credits_withheld" in codes(r)


def test_zhucheng_electives_count_as_hours_but_are_never_required() -> None:
    """seed 004 方案1 二.2: electives "没有考核要求" — they add 学时 but cannot fail anyone."""
    r = one("zhucheng-remote", {"process": 80, "summative": 80}, hours={**FULL_HOURS, "elective_method": 12})
    assert r.passed and r.hours == 72

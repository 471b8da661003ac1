"""`grade compute|explain|presets` through click's CliRunner (README "yanxiu grade")."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from grading.cli import grade

HOURS = {"teacher_growth": 16, "mental_health": 16, "new_textbook": 12, "classroom_skills": 16}
LINES = [
    {
        "learner": "T01",
        "name": "王芳",
        "school": "实验小学",
        "class": "一班",
        "scores": {"process": 88.35, "summative": 70},
        "hours": {**HOURS, "elective_ethics": 16},
    },
    {
        "learner": "T02",
        "name": "李强",
        "school": "实验小学",
        "class": "一班",
        "scores": {"process": 95, "summative": None},
        "hours": {**HOURS, "mental_health": 10},
    },
]


def write_lines(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def records(tmp_path: Path) -> Path:
    # json.dumps cannot write Decimals; numbers are written as JSON numbers, read back as Decimal.
    return write_lines(tmp_path / "records.jsonl", [json.dumps(x, ensure_ascii=False) for x in LINES])


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(grade, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_compute_json_lines(records: Path) -> None:
    """One object per learner, decimals as strings; 0.7 × 88.35 + 0.3 × 70 = 82.845 → "82.85"."""
    code, out, _ = invoke("compute", "--policy", "zhucheng-remote", "--records", str(records))
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert (first["total"], first["band"], first["passed"], first["credits"]) == ("82.85", "良好", True, "30")
    assert first["components"]["process"] == {
        "score": "88.35",
        "max": "100",
        "weight": "70",
        "contribution": "61.845",
        "passed": None,
    }
    assert (second["total"], second["passed"], second["credits"]) == ("66.50", False, "0")
    assert any("不登记学分" in n for n in second["notes"])


def test_compute_csv_has_chinese_headers(records: Path, tmp_path: Path) -> None:
    """CSV with the Chinese headers hosts expect, written to --output (UTF-8 with BOM for Excel)."""
    out = tmp_path / "grades.csv"
    code, _, _ = invoke(
        "compute",
        "--policy",
        "zhucheng-remote",
        "--records",
        str(records),
        "--format",
        "csv",
        "--output",
        str(out),
    )
    assert code == 0
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert rows[0][:11] == [
        "学员编号",
        "姓名",
        "学校",
        "班级",
        "总分",
        "等级",
        "是否合格",
        "学时",
        "学分",
        "优秀学员",
        "说明",
    ]
    assert rows[1][:10] == ["T01", "王芳", "实验小学", "一班", "82.85", "良好", "是", "76", "30", "否"]
    assert rows[2][6] == "否" and "不登记学分" in rows[2][10]


def test_compute_xlsx(records: Path, tmp_path: Path) -> None:
    """XLSX opens with openpyxl; headers in Chinese, totals as numbers shown to 2 places."""
    out = tmp_path / "grades.xlsx"
    code, _, _ = invoke(
        "compute",
        "--policy",
        "zhucheng-remote",
        "--records",
        str(records),
        "--format",
        "xlsx",
        "--output",
        str(out),
    )
    assert code == 0
    sheet = load_workbook(out).active
    assert sheet is not None
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["学员编号", "姓名", "学校", "班级", "总分"]
    assert str(sheet["E2"].value) == "82.85" and sheet["E2"].number_format == "0.00"
    assert str(sheet["E3"].value) == "66.5" and sheet["I2"].value == 30


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"learner": "T03", "scores": {"process": 90, "summative": ', "line 3: invalid JSON"),
        ('{"learner": "T03", "scores": {"process": "high"}}', "line 3: scores.process: not a number: 'high'"),
        ('{"learner": "T03", "scores": {"exam": 90}}', "line 3: scores.exam: unknown score key"),
        (
            '{"learner": "T03", "scores": {"process": -1}}',
            "line 3: scores.process: must not be negative, got -1",
        ),
        (
            '{"learner": "T03", "scores": {"process": 100.5}}',
            "line 3: scores.process: 100.5 is above the maximum 100",
        ),
        ('{"learner": "T03", "hours": {"gym": 3}}', "line 3: hours.gym: unknown course key"),
        ('{"learner": "T01"}', "line 3: learner: duplicate id 'T01' (first on line 1)"),
        ('{"learner": "T03", "scores": []}', "line 3: scores: expected an object, got list"),
        ('["T03"]', "line 3: (line): expected a JSON object"),
    ],
)
def test_malformed_line_writes_nothing(records: Path, tmp_path: Path, line: str, message: str) -> None:
    """A bad line is reported with its number and field; exit 2; no file, not even a partial one."""
    bad = write_lines(tmp_path / "bad.jsonl", [*records.read_text(encoding="utf-8").splitlines(), line])
    for fmt in ("json", "csv", "xlsx"):
        out = tmp_path / f"grades.{fmt}"
        code, stdout, stderr = invoke(
            "compute",
            "--policy",
            "zhucheng-remote",
            "--records",
            str(bad),
            "--format",
            fmt,
            "--output",
            str(out),
        )
        assert code == 2 and message in stderr and "nothing was written" in stderr
        assert not out.exists() and stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.jsonl", "records.jsonl"]


def test_unknown_policy_lists_presets(records: Path) -> None:
    """An unknown policy name says which presets exist."""
    code, _, err = invoke("compute", "--policy", "nowhere", "--records", str(records))
    assert code == 2 and "zhucheng-remote" in err and "dawukou-80-20" in err


def test_explain_in_chinese_and_english(records: Path) -> None:
    """explain prints inputs, score, weight, contribution, then total, band, pass, credits, notes."""
    code, out, _ = invoke(
        "explain", "--policy", "zhucheng-remote", "--records", str(records), "--learner", "T02"
    )
    assert code == 0
    for text in [
        "过程性考核 [process]",
        "scores.process = 95",
        "权重 70%",
        "贡献 66.50",
        "总分：66.50 → 66.50（四舍五入保留 2 位小数）",
        "是否合格：否（合格线 60）",
        "学分：0",
        "得分 10.00 / 16，权重 0%，贡献 0.00；合格线 16（必须合格）：未达到",
        "成绩为空",
        "教师心理健康培训 得分 10.00",
    ]:
        assert text in out
    code, out, _ = invoke(
        "explain",
        "--policy",
        "zhucheng-remote",
        "--records",
        str(records),
        "--learner",
        "T01",
        "--lang",
        "en",
    )
    assert code == 0
    for text in [
        "process (过程性考核)",
        "weight 70%",
        "contribution 61.845",
        "Total: 82.845 → 82.85",
        "Band: 良好",
        "Passed: yes",
        "Credits: 30",
        "score 16.00 / 16, weight 0%, contribution 0.00; pass mark 16 (must pass): reached",
        "Notes:",
    ]:
        assert text in out


def test_explain_unknown_learner(records: Path) -> None:
    """Asking for a learner who is not in the file is an input error."""
    code, _, err = invoke(
        "explain", "--policy", "zhucheng-remote", "--records", str(records), "--learner", "X"
    )
    assert code == 2 and "'X'" in err


def test_presets_command_lists_every_preset() -> None:
    """`grade presets` prints each name with its one-line description."""
    code, out, _ = invoke("presets")
    assert code == 0
    names = [line.split("\t")[0] for line in out.splitlines()]
    assert names == [
        "contest-final",
        "contest-preliminary",
        "dawukou-80-20",
        "process-summative-70-30",
        "zhenjiang-80-20",
        "zhucheng-remote",
    ]


def test_python_dash_m_grading_runs_the_group() -> None:
    """`python -m grading` is the same command group."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "grading", "presets"],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).parents[2],
    )
    assert done.returncode == 0 and "zhucheng-remote" in done.stdout

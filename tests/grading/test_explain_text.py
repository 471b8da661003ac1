"""The plain-text explanation (计算过程): labels, not internal keys, for whoever reads it."""

from __future__ import annotations

from grading import explain

from .builders import one


def test_a_band_taken_from_a_component_names_it_by_its_label() -> None:
    """dawukou-80-20 bands on its practice score (seed 004 方案7): 按「实践」, not 按「practice」 (优秀
    demoted to 良好 by the per-school cap of one learner)."""
    result = one("dawukou-80-20", {"written": 90, "practice": 19}, school="S", name="王芳")
    assert "等级：良好（按「实践」得分 19.00）" in explain(result)
    assert "Band: 良好 (from 实践 score 19.00)" in explain(result, "en")


def test_the_tool_names_a_learner_without_the_records_id() -> None:
    result = one("dawukou-80-20", {"written": 90, "practice": 19}, school="S", name="王芳")
    assert explain(result).splitlines()[0] == "学员：L1 王芳（S）"  # a records file's id says which line
    assert explain(result, with_id=False).splitlines()[0] == "学员：王芳（S）"  # the member id says nothing
    nameless = one("dawukou-80-20", {"written": 90, "practice": 19})
    assert explain(nameless, with_id=False).splitlines()[0] == "学员：L1"  # without a name the id stays


def test_long_inputs_are_cut_at_four_places() -> None:
    """A measure's mean of thirds (11.0561111…) reads 11.0561… in 计算过程; short ones stay as they are."""
    result = one("zhucheng-remote", {"process": "11.05611111111111111111111111", "summative": "70.5"})
    text = explain(result)
    assert "scores.process = 11.0561…" in text and "scores.summative = 70.5" in text
    assert "11.05611" not in text

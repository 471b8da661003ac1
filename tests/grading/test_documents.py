"""A policy's source names the program documents by their titles for hosts, not as "seed 004"."""

from __future__ import annotations

from grading.documents import cited


def test_seed_numbers_become_document_titles() -> None:
    assert cited("seed 004 方案1 二.2, 四.5, 四.6, 六(三)") == "《全员培训计划实施细则》方案1 二.2, 四.5, 四.6, 六(三)"
    assert cited("seed 003 意见2 二(四); seed 000 第8篇") == (
        "《中小学骨干教师培训管理工作意见》意见2 二(四); 《乡村骨干教师培训总结精选》第8篇")


def test_other_text_is_kept_as_written() -> None:
    assert cited("县教师发展中心 2026 年研修方案") == "县教师发展中心 2026 年研修方案"
    assert cited("seed 999 unknown, seeded 004") == "seed 999 unknown, seeded 004"

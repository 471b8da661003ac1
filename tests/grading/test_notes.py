"""Notes are structured (code + params) and render in Chinese and English."""

from __future__ import annotations

import re

from grading.notes import LANGS, MESSAGES, note


def test_every_message_has_both_languages_with_the_same_parameters() -> None:
    """A note rendered in zh and en needs the same parameters in both templates."""
    for code, table in MESSAGES.items():
        assert set(table) == set(LANGS), code
        params = [set(re.findall(r"{(\w+)}", table[lang])) for lang in LANGS]
        assert params[0] == params[1], code


def test_language_specific_parameters() -> None:
    """A component is named by its Chinese label in zh and by its key in en."""
    n = note("null_score", component="终结性考核", component_en="summative")
    assert n.render("zh").startswith("终结性考核") and n.render("en").startswith("summative")

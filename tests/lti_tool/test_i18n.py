"""Chinese first, English from the Flask-Babel catalog when the launch says so (workshop issue §4).

The catalog must cover every message the templates use: a message added without its English would
show Chinese to an English-speaking host, so the check extracts the messages the same way
`make i18n` does and compares them with the catalog."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import render_template_string

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "lti_tool/translations/en/LC_MESSAGES/messages.po"
KEYWORDS = {"_": None, "gettext": None, "pgettext": ((1, "c"), 2)}


def _catalog() -> dict[tuple[str | None, str], str]:
    with PO.open("rb") as f:
        catalog = read_po(f, locale="en")
    return {(m.context, str(m.id)): str(m.string) for m in catalog if m.id}


def _used() -> set[tuple[str | None, str, str]]:
    found = set()
    for filename, _lineno, message, _comments, context in extract_from_dir(
        str(ROOT / "lti_tool"), method_map=[("templates/**.html", "jinja2")], keywords=KEYWORDS,
    ):
        text = message if isinstance(message, str) else message[-1]
        found.add((context, text, filename))
    return found


def test_every_template_message_has_its_english() -> None:
    catalog = _catalog()
    used = _used()
    assert len(used) > 100, "the extraction found the templates' messages"
    missing = sorted(f"{where}: {msg!r} (context {ctx})" for ctx, msg, where in used
                     if not catalog.get((ctx, msg)))
    assert not missing, "messages without English in the catalog:\n" + "\n".join(missing)


def test_templates_write_page_text_through_the_catalog() -> None:
    """Literal pairs t('中文', 'English') are what the catalog replaced; `t` stays for pairs carried by
    data (measure names, navigation entries), which are variables, not literals."""
    literal = re.compile(r"""\bt\(\s*['"]""")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in (ROOT / "lti_tool/templates").rglob("*.html")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if literal.search(line)]
    assert not offenders, offenders


def test_template_text_leaves_punctuation_to_the_page_language() -> None:
    """Between a message and a value, templates write {{ punct.colon }} and the like: full-width in
    Chinese, ASCII in English. Written out, an English page read "Hello， 王丽华" and "Role： Participant"
    (found by exploratory QA in English)."""
    blocks = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.S)
    offenders = [f"{p.relative_to(ROOT)}:{i}: {line.strip()}" for p in (ROOT / "lti_tool/templates").rglob("*.html")
                 for i, line in enumerate(blocks.sub("", p.read_text(encoding="utf-8")).splitlines(), 1)
                 if re.search("[：，；（）]", line)]
    assert not offenders, "\n".join(offenders)


def test_punctuation_follows_the_page_language(tmp_path: Path) -> None:
    from lti_tool import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t"})
    template = "{{ _('您好') }}{{ punct.comma }}王{{ punct.lp }}{{ _('身份') }}{{ punct.colon }}1{{ punct.rp }}"
    for lang, expected in (("zh", "您好，王（身份：1）"), ("en", "Hello, 王 (Role: 1)")):
        with app.test_request_context(f"/?lang={lang}"):
            assert render_template_string(template) == expected


def test_pages_follow_the_launch_locale(tmp_path: Path) -> None:
    """The same page in Chinese by default and in English for an English LMS locale."""
    from lti_tool import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "t"})
    with app.test_client() as client:
        zh = client.get("/w/1/", headers={"Accept-Language": "zh-CN"})
        en = client.get("/w/1/", headers={"Accept-Language": "en-US"})
    # No session: the error page, rendered from the catalog in both languages.
    assert zh.status_code == en.status_code == 401
    catalog = _catalog()
    assert "无法进入" in zh.get_data(as_text=True)
    assert catalog[("cannot-open-this-page", "无法进入")] in en.get_data(as_text=True)
    assert "无法进入" not in en.get_data(as_text=True)

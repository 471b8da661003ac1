"""Locale: Chinese first, English when the LMS launch says so (Moodle 'en', Open edX 'en-US').

Page text is written in Chinese in the templates (`{{ _('中文') }}`), and English comes from the
Flask-Babel catalog `lti_tool/translations/en/LC_MESSAGES/messages.po`. The catalog is compiled
when the app starts (into the instance folder, when the .po is newer than the compiled file), so a
fresh clone needs no build step. `t(zh, en)` remains for pairs carried by data (measure names,
navigation entries registered by features), which no catalog could know in advance.
"""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask, request, session

from grading.explain import PUNCT as MARKS

CATALOG_DIR = Path(__file__).resolve().parent / "translations"
LANGUAGES = ("zh", "en")


def normalise_locale(value: object) -> str:
    """Map LMS locales (Moodle 'zh_cn', Open edX 'en-US', 'zh-Hans') to 'zh' or 'en'; anything that
    is not a string (a locale claim is platform data) means the default, Chinese."""
    if isinstance(value, str) and value.lower().replace("_", "-").startswith("en"):
        return "en"
    return "zh"


def current_lang() -> str:
    lang = request.args.get("lang") or session.get("lang")
    if lang in LANGUAGES:
        return str(lang)
    return normalise_locale(request.accept_languages.best_match(["zh", "en"]) or "zh")


def t(zh: str, en: str) -> str:
    """A bilingual pair carried by data; page text uses the catalog (`_`)."""
    return en if current_lang() == "en" else zh


# "中文 / English": how refusals raised deep in the code carry both languages (abort descriptions).
BILINGUAL = re.compile(r"(?P<zh>.*[\u3400-\u9fff].*?) / (?P<en>[^\u3400-\u9fff]+)", re.S)


def in_language(message: str) -> str:
    """A "中文 / English" pair as the page's language says it; any other text as it is."""
    match = BILINGUAL.fullmatch(message)
    return t(match["zh"], match["en"]) if match else message


class Punctuation:
    """The separators templates put between a label and its value, or around a note: full-width in
    Chinese, ASCII with a space in English ("您好，" but "Hello, "; "身份：" but "Role: "), as the
    grade explanation writes them (grading.explain.PUNCT). Templates write
    `{{ _('身份') }}{{ punct.colon }}`; `punct.enumeration` goes between names (王丽华、李建国)."""

    def __getattr__(self, name: str) -> str:
        marks = MARKS["en" if current_lang() == "en" else "zh"]
        if name not in marks:
            raise AttributeError(name)
        return marks[name]


PUNCT = Punctuation()


def _compiled_catalogs(instance_path: Path) -> Path:
    """Compile every .po under CATALOG_DIR into instance/translations when missing or stale."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    target = instance_path / "translations"
    for po_path in CATALOG_DIR.glob("*/LC_MESSAGES/messages.po"):
        mo_path = target / po_path.relative_to(CATALOG_DIR).with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with po_path.open("rb") as po:
            catalog = read_po(po)
        partial = mo_path.with_suffix(".mo.tmp")
        with partial.open("wb") as mo:
            write_mo(mo, catalog)
        partial.replace(mo_path)  # atomic: another worker never reads half a file
    return target


def init_babel(app: Flask) -> None:
    from flask_babel import Babel

    directory = _compiled_catalogs(Path(app.instance_path))
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "zh")
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(directory)
    Babel(app, locale_selector=current_lang, default_locale="zh",
          default_translation_directories=str(directory))

"""Locale: Chinese first, English when the LMS launch says so."""

from __future__ import annotations

from flask import request, session


def normalise_locale(value: str | None) -> str:
    """Map LMS locales (Moodle 'zh_cn', Open edX 'en-US', 'zh-Hans') to 'zh' or 'en'."""
    if value and value.lower().replace("_", "-").startswith("en"):
        return "en"
    return "zh"


def current_lang() -> str:
    lang = request.args.get("lang") or session.get("lang")
    if lang in ("zh", "en"):
        return str(lang)
    return normalise_locale(request.accept_languages.best_match(["zh", "en"]) or "zh")


def t(zh: str, en: str) -> str:
    """Inline bilingual text for the few foundation pages; workshop pages use Flask-Babel catalogs."""
    return en if current_lang() == "en" else zh

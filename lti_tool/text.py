"""User-written text: safe Markdown in, inert HTML out (no raw HTML, no scripts, no javascript: links)."""

from __future__ import annotations

from typing import Any

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

# Raw HTML is off in the parser, and nh3 (ammonia) cleans the output again: two independent locks.
_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")
_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "a", "h3", "h4", "table",
         "thead", "tbody", "tr", "th", "td", "hr"}


# Spreadsheet cells that start like a formula are run by Excel/WPS (CSV/XLSX injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that starts like a formula gets a leading apostrophe (CSV/XLSX injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def plain_newlines(text: str) -> str:
    """CRLF and CR as LF. Browsers submit a textarea's line breaks as CRLF but count each as one
    character for maxlength: limits are checked, and text stored, with LF (a 10,000-character body
    of 200 lines arrived as 10,199 and was refused)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def markdown(text: str | None) -> Markup:
    html = _md.render(text or "")
    clean = nh3.clean(html, tags=_TAGS, attributes={"a": {"href", "title"}}, url_schemes={"http", "https", "mailto"},
                      link_rel="noopener noreferrer nofollow")
    return Markup(clean)  # noqa: S704 - cleaned by nh3 just above

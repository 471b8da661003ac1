"""Where feature modules plug into the shared workshop pages without editing them.

- `KIND_PAGES`: activity kind → endpoint of its own page (discussion, assignment, offline); the
  generic activity URL redirects there, so links from the home page and the LMS keep working.
- `NAV_LINKS`: links in the workshop's top navigation, each shown only to viewers it suits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

KIND_PAGES: dict[str, str] = {}


@dataclass(frozen=True)
class NavLink:
    endpoint: str  # takes workshop_id only
    zh: str
    en: str
    visible: Callable[[Any], bool]  # Viewer → shown?
    order: int = 50


NAV_LINKS: list[NavLink] = []


def register_kind_page(kind: str, endpoint: str) -> None:
    KIND_PAGES[kind] = endpoint


def register_nav(link: NavLink) -> None:
    NAV_LINKS.append(link)
    NAV_LINKS.sort(key=lambda item: item.order)


def nav_for(viewer: Any) -> list[NavLink]:
    return [link for link in NAV_LINKS if link.visible(viewer)]

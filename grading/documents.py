"""The program documents (../shared/seeds) by the titles a county's staff know them by. Policies
cite them as "seed 004 方案1 四.5", the shorthand of this codebase; a host reading a scheme's
source sees 《全员培训计划实施细则》方案1 四.5 instead."""

from __future__ import annotations

import re

TITLES = {
    "000": "乡村骨干教师培训总结精选",
    "001": "2016年师训站工作总结及2017年工作计划",
    "002": "送教下乡研修总结",
    "003": "中小学骨干教师培训管理工作意见",
    "004": "全员培训计划实施细则",
}
_SEED = re.compile(r"\bseed (\d{3})\s*")


def cited(source: str) -> str:
    """`source` with each "seed NNN" it names replaced by that document's title; any other text
    (a host's own scheme cites what it likes) as written."""
    return _SEED.sub(lambda m: f"《{TITLES[m[1]]}》" if m[1] in TITLES else m[0], source)

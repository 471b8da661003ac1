"""Every download names its file twice (RFC 6266): filename* with the real, often Chinese, name in
UTF-8 (RFC 5987), and filename with a plain-ASCII fallback that keeps the extension, for browsers
that ignore filename* (old Android, in-app browsers saved a file called "grades", exploratory QA)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from ..fixtures.lti import LtiHarness, lti_harness
from .workshops.test_pages import host_setup

DISPOSITION = re.compile(r"attachment; filename=\"([A-Za-z0-9._-]+)\"; filename\*=UTF-8''([A-Za-z0-9%._~-]+)")


@pytest.fixture
def lti(database_url: str, tmp_path: Path) -> Iterator[LtiHarness]:
    with lti_harness(database_url, tmp_path / "instance") as harness:
        yield harness


def names(response: Any) -> tuple[str, str]:
    """(ASCII fallback, real name) of an attachment."""
    assert response.status_code == 200, response.text[:300]
    found = DISPOSITION.fullmatch(response.headers["Content-Disposition"])
    assert found, response.headers["Content-Disposition"]
    return found.group(1), unquote(found.group(2))


def test_grade_report_and_program_downloads_keep_their_extension(lti: LtiHarness) -> None:
    host, base = host_setup(lti)
    workshop_id = base.rsplit("/", 1)[1]
    for fmt in ("csv", "xlsx"):
        assert names(host.get(f"{base}/grades/export.{fmt}")) == (f"yanxiu-credits-{workshop_id}.{fmt}",
                                                                    f"小学数学工作坊-学分登记.{fmt}")
    fallback, name = names(host.get(base + "/report.xlsx"))
    assert re.fullmatch(rf"yanxiu-report-{workshop_id}-\d{{8}}-\d{{8}}\.xlsx", fallback), fallback  # the period stays
    assert re.fullmatch(r"小学数学工作坊-情况通报-\d{8}-\d{8}\.xlsx", name) and name.endswith(fallback[-22:])
    admin = lti.login("linhai").session
    fallback, name = names(admin.get(lti.tool_url + "/program/export.xlsx"))
    assert re.fullmatch(r"yanxiu-program-\d{8}\.xlsx", fallback) and name == f"研修情况-{fallback[15:]}"


def test_roster_downloads_keep_their_extension(lti: LtiHarness) -> None:
    host, base = host_setup(lti)
    for path in ("/people/export.csv", "/people/export.xlsx", "/people/template.xlsx"):
        fallback, name = names(host.get(base + path))
        assert fallback.endswith(path[path.rindex("."):]) and fallback.startswith("yanxiu-roster-"), (path, fallback)
        assert name.endswith(("-名单.csv", "-名单.xlsx", "名单导入模板.xlsx")), name

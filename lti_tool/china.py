"""China time: the workshops' only time zone. Times are stored in UTC and shown, bucketed into
days and compared with due dates in Asia/Shanghai (tzdata is a dependency, not the OS files)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")


def china_time(moment: datetime | None) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M") if moment else ""


def china_today() -> date:
    return datetime.now(CHINA).date()


def china_days(start: date, end: date) -> tuple[datetime, datetime]:
    """China-time days [start, end] as the instants [from, to)."""
    return datetime.combine(start, time(0), CHINA), datetime.combine(end + timedelta(days=1), time(0), CHINA)

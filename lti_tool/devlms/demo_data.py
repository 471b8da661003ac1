"""The demo course: a county primary-maths teacher workshop with its people and activities.

Plain data, importable by tests (`from lti_tool.devlms import DEMO_COURSE`). Names are fictional.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["host", "tutor", "participant", "mentor", "admin"]

ROLE_LABELS: dict[str, str] = {
    "host": "坊主 / host",
    "tutor": "辅导老师 / tutor",
    "participant": "学员 / participant",
    "mentor": "教研员 / mentor",
    "admin": "管理员 / site admin",
}


@dataclass(frozen=True)
class DemoUser:
    login: str
    name: str
    role: Role
    school: str
    town: str
    moodle_id: int

    @property
    def family_name(self) -> str:
        return self.name[:1]

    @property
    def given_name(self) -> str:
        return self.name[1:]

    @property
    def email(self) -> str:
        return f"{self.login}@school.example.com"


@dataclass(frozen=True)
class DemoActivity:
    """An LTI activity of the course; `key` is stable across profiles."""

    key: str
    title: str
    description: str
    moodle_instance_id: int
    score_maximum: float = 100.0


@dataclass(frozen=True)
class DemoCourse:
    title: str
    label: str
    idnumber: str
    users: tuple[DemoUser, ...]
    activities: tuple[DemoActivity, ...]

    def user(self, login: str) -> DemoUser | None:
        return next((u for u in self.users if u.login == login), None)

    def by_role(self, role: Role) -> tuple[DemoUser, ...]:
        return tuple(u for u in self.users if u.role == role)

    @property
    def schools(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(u.school for u in self.users if u.role == "participant"))


_CG, _BG, _SN = "城关小学", "北关小学", "石牛镇中心小学"
_CENTER = "县教师发展中心"

DEMO_COURSE = DemoCourse(
    title="2026 小学数学教师工作坊",
    label="XXSX-2026",
    idnumber="YX-2026-XXSX",
    users=(
        DemoUser("linhai", "林海", "admin", _CENTER, "城关镇", 2),
        DemoUser("maxiaoyan", "马晓燕", "host", _CENTER, "城关镇", 3),
        DemoUser("huwenbin", "胡文斌", "tutor", _CG, "城关镇", 4),
        DemoUser("guomeiling", "郭美玲", "tutor", _SN, "石牛镇", 5),
        DemoUser("hezhendong", "何振东", "mentor", "县教研室", "城关镇", 6),
        DemoUser("wanglihua", "王丽华", "participant", _CG, "城关镇", 11),
        DemoUser("lijianguo", "李建国", "participant", _CG, "城关镇", 12),
        DemoUser("zhangxiuying", "张秀英", "participant", _CG, "城关镇", 13),
        DemoUser("liuyang", "刘洋", "participant", _CG, "城关镇", 14),
        DemoUser("chenjing", "陈静", "participant", _BG, "城关镇", 15),
        DemoUser("yangfan", "杨帆", "participant", _BG, "城关镇", 16),
        DemoUser("zhaomin", "赵敏", "participant", _BG, "城关镇", 17),
        DemoUser("huanglei", "黄磊", "participant", _BG, "城关镇", 18),
        DemoUser("zhouting", "周婷", "participant", _SN, "石牛镇", 19),
        DemoUser("wuzhiqiang", "吴志强", "participant", _SN, "石牛镇", 20),
        DemoUser("xufang", "徐芳", "participant", _SN, "石牛镇", 21),
        DemoUser("sunhao", "孙浩", "participant", _SN, "石牛镇", 22),
    ),
    activities=(
        DemoActivity("unit-design", "第一期：数与代数单元教学设计", "提交一份单元教学设计并互评", 31),
        DemoActivity("lesson-observation", "第二期：课堂观察与评课", "观看课例视频，完成观察量表", 32),
        DemoActivity("summary", "研修总结与成果提交", "提交研修总结与成果", 33),
    ),
)

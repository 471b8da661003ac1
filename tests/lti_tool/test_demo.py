"""`yanxiu demo` (what `make demo` runs) serves the tool with the development LMS, and production
never does (foundation §2, §9)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from lti_tool.demo_seed import seed_first_workshop
from lti_tool.devlms import LaunchDriver

from ..conftest import make_app
from ..fixtures.servers import free_port


def test_demo_launches_every_role(tmp_path: Path) -> None:
    port = free_port()
    env = dict(os.environ, YANXIU_ENV="demo", YANXIU_INSTANCE_PATH=str(tmp_path / "instance"), PORT=str(port))
    env.pop("YANXIU_DATABASE_URL", None)  # the embedded default: SQLite in the instance folder
    env.pop("YANXIU_BASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-m", "lti_tool.cli", "demo"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(base + "/healthz", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            pytest.fail("the demo did not start within 60 s")
        page = requests.get(base + "/devlms/", timeout=5)
        assert page.status_code == 200 and "以此身份进入" in page.text
        for login, role in (("maxiaoyan", "host"), ("huwenbin", "tutor"), ("wanglihua", "participant")):
            resp = LaunchDriver(base + "/devlms").launch(login)
            assert resp.status_code == 200 and re.search(rf'data-role="{role}"', resp.text), login
        # The learner's studio and the workshop's overview; the county view for the site admin.
        learner = LaunchDriver(base + "/devlms")
        workshop = learner.launch("wanglihua").url.rstrip("/")
        for page_path in ("/studio", "/overview", "/excellent"):
            assert learner.session.get(workshop + page_path, timeout=10).status_code == 200, page_path
        admin = LaunchDriver(base + "/devlms")
        admin.launch("linhai")
        assert admin.session.get(base + "/program/", timeout=10).status_code == 200
        seeded = _seeded_home(learner, workshop)
        assert seed_first_workshop(base) is None  # set up once: a second run adds nothing
        assert _seeded_home(learner, workshop) == seeded
        lesson = requests.get(base + "/devlms/media/lesson.wav", headers={"Range": "bytes=0-43"}, timeout=5)
        assert lesson.status_code == 206 and lesson.content.startswith(b"RIFF")
    finally:
        proc.terminate()
        output = proc.communicate(timeout=20)[0]
    assert f"{base}/devlms/" in output  # the printed URL
    assert f"演示工作坊已设置 / demo workshop set up: {workshop}/" in output


def _seeded_home(driver: LaunchDriver, workshop: str) -> list[str]:
    """The participant's home once the demo has set its workshop up (in the background, within
    seconds of starting): the phases and activities it lists, in order."""
    deadline = time.monotonic() + 30
    while True:
        home = driver.session.get(workshop + "/", timeout=10).text
        home = home[home.find("<h2>第一阶段"):]  # the phases, not the "next step" link above them
        listed = re.findall(r"<h2>(第[一二]阶段：[^<]+?)\s*<|>((?:课例|阅读|研讨|作业|线下集中研修)：[^<]+)</a>", home)
        if listed or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    found = [phase or activity for phase, activity in listed]
    assert found == ["第一阶段：课例学习", "课例：《分数的初步认识》", "阅读：课程标准中的“数与代数”",
                     "第二阶段：研讨与实践", "研讨：如何设计有层次的课堂提问", "作业：提交一份单元教学设计",
                     "线下集中研修：同课异构观摩"], found
    return found


def test_production_has_no_development_lms(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YANXIU_ENV", raising=False)
    app = make_app(database_url, tmp_path / "instance", BASE_URL="https://yanxiu.example.cn")
    assert app.config["YANXIU_ENV"] == "production" and not app.config["DEVLMS_ENABLED"]
    assert app.test_client().get("/devlms/").status_code == 404
    from lti_tool.devlms import PlatformConfig, ToolEndpoints, create_platform_app

    tool = ToolEndpoints(login_url="https://t/l", launch_url="https://t/a", redirect_uris=["https://t/a"],
                         jwks_url="https://t/j")
    with pytest.raises(RuntimeError, match="production"):
        create_platform_app(PlatformConfig(issuer="https://p", tool=tool), purpose="demo")

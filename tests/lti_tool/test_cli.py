"""`yanxiu platform add|list|remove`, `yanxiu keys rotate`, `yanxiu db upgrade` (foundation §1, §3, §5)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from lti_tool.cli import main

MOODLE = [
    "--issuer", "https://moodle.county.example.cn",
    "--client-id", "yx-client",
    "--auth-login-url", "https://moodle.county.example.cn/mod/lti/auth.php",
    "--auth-token-url", "https://moodle.county.example.cn/mod/lti/token.php",
    "--key-set-url", "https://moodle.county.example.cn/mod/lti/certs.php",
    "--deployment-id", "3",
]


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("YANXIU_DATABASE_URL", database_url)
    monkeypatch.setenv("YANXIU_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("YANXIU_SECRET_KEY", "cli-secret")
    return CliRunner()


def test_platform_add_list_remove(cli: CliRunner) -> None:
    """Several platforms at once; a second add of the same issuer+client adds deployments."""
    r = cli.invoke(main, ["platform", "add", *MOODLE, "--name", "县教师发展中心 Moodle", "--kind", "moodle"])
    assert r.exit_code == 0, r.output
    assert "added platform" in r.output
    r = cli.invoke(main, ["platform", "add", *MOODLE[:-1], "4"])
    assert r.exit_code == 0 and "updated" in r.output and "deployments=3,4" in r.output
    openedx = [
        "--issuer", "https://edx.city.example.cn", "--client-id", "edx-1",
        "--auth-login-url", "https://edx.city.example.cn/api/lti_consumer/v1/launch/",
        "--auth-token-url", "https://edx.city.example.cn/api/lti_consumer/v1/token/x",
        "--key-set-url", "https://edx.city.example.cn/api/lti_consumer/v1/public_keysets/x",
        "--deployment-id", "1",
    ]
    assert cli.invoke(main, ["platform", "add", *openedx]).exit_code == 0
    listing = cli.invoke(main, ["platform", "list"]).output
    assert "县教师发展中心 Moodle" in listing and "edx.city.example.cn" in listing
    r = cli.invoke(main, ["platform", "remove", "https://edx.city.example.cn"])
    assert r.exit_code == 0 and "removed" in r.output
    assert "edx.city.example.cn" not in cli.invoke(main, ["platform", "list"]).output


def test_platform_add_rejects_bad_urls(cli: CliRunner) -> None:
    """Bad input names the option at fault and stores nothing."""
    bad = list(MOODLE)
    bad[bad.index("--key-set-url") + 1] = "ftp://nowhere"
    r = cli.invoke(main, ["platform", "add", *bad])
    assert r.exit_code == 2
    assert "--key-set-url" in r.output
    assert "no platforms registered" in cli.invoke(main, ["platform", "list"]).output


def test_platform_remove_unknown(cli: CliRunner) -> None:
    r = cli.invoke(main, ["platform", "remove", "https://nobody.example"])
    assert r.exit_code == 1 and "no platform matches" in r.output


def test_keys_rotate_keeps_old_key_published(cli: CliRunner, database_url: str, tmp_path: Path) -> None:
    """`keys rotate` adds a signing key; the previous one stays in the JWKS for the grace period."""
    from tests.conftest import make_app

    app = make_app(database_url, tmp_path / "instance", SECRET_KEY="cli-secret")
    with app.app_context():
        first = app.extensions["yanxiu"].keys.signing_key().kid
    r = cli.invoke(main, ["keys", "rotate"])
    assert r.exit_code == 0, r.output
    with app.app_context():
        keys = app.extensions["yanxiu"].keys
        second = keys.signing_key().kid
        published = [k["kid"] for k in keys.jwks()["keys"]]
    assert first != second
    assert published == [first, second]


def test_xapi_lrs_add_list_remove(cli: CliRunner) -> None:
    """`yanxiu xapi lrs add|list|remove`: removing stops forwarding and names what was not sent."""
    r = cli.invoke(main, ["xapi", "lrs", "add", "--endpoint", "http://127.0.0.1:8100/xAPI/", "--username", "u",
                          "--password", "p-secret"])
    assert r.exit_code == 0, r.output
    lrs_id = r.output.split("added LRS ", 1)[1].split(":", 1)[0]
    listing = cli.invoke(main, ["xapi", "lrs", "list"]).output
    assert "127.0.0.1:8100" in listing and "p-secret" not in listing
    assert "resting_until=-" in listing  # nothing has failed: not resting (statements/test_lrs_rest.py)
    r = cli.invoke(main, ["xapi", "lrs", "remove", lrs_id])
    assert r.exit_code == 0 and "removed LRS" in r.output and "0 undelivered" in r.output
    assert "127.0.0.1:8100" not in cli.invoke(main, ["xapi", "lrs", "list"]).output
    r = cli.invoke(main, ["xapi", "lrs", "remove", lrs_id])
    assert r.exit_code == 2 and "no active LRS" in r.output


def test_xapi_export_writes_a_period_in_stored_order(cli: CliRunner, database_url: str, tmp_path: Path) -> None:
    """JSON lines of the statements stored in (since, until], earliest stored first, whatever order
    they arrived in; a time that is not one is an error naming the option."""
    import json
    import uuid
    from datetime import UTC, datetime

    from lti_tool.statements.store import store_statements
    from tests.conftest import make_app

    def statement() -> dict[str, object]:
        return {"id": str(uuid.uuid4()), "actor": {"mbox": "mailto:t@example.cn"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                "object": {"id": "https://h5p.example.cn/page/1"}}

    app = make_app(database_url, tmp_path / "instance")
    with app.app_context():
        late = store_statements([statement()], now=datetime(2026, 11, 21, 9, tzinfo=UTC)).ids
        early = store_statements([statement()], now=datetime(2026, 11, 20, 9, tzinfo=UTC)).ids
        store_statements([statement()], now=datetime(2026, 11, 23, 9, tzinfo=UTC))  # after --until
    r = cli.invoke(main, ["xapi", "export", "--since", "2026-11-20T00:00:00+08:00", "--until", "2026-11-22"])
    assert r.exit_code == 0, r.output
    assert [json.loads(line)["id"] for line in r.output.splitlines() if line.startswith("{")] == early + late
    r = cli.invoke(main, ["xapi", "export", "--since", "last week"])
    assert r.exit_code == 2 and "--since" in r.output and "not an ISO 8601 time" in r.output

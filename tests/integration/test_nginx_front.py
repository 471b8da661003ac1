"""The shipped Nginx site (`deploy/nginx-yanxiu.conf`, docs/deploy.md) run for real in front of
`yanxiu serve`: Debian's nginx with a throw-away certificate on loopback ports, the file changed only
where a test machine must differ (ports, certificate paths). Through it, a launch from the strict
platform works, the cookies come back fit for an LMS iframe, pages go compressed, and the body size
lets the tool answer an oversized xAPI batch itself.
"""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from lti_tool.devlms import LaunchDriver, PlatformConfig, create_platform_app
from tests.fixtures.lti import tool_endpoints
from tests.fixtures.registration import register
from tests.fixtures.servers import LateBoundApp, ServerThread, free_port

pytestmark = [pytest.mark.nginx, pytest.mark.timeout(180)]

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "deploy" / "nginx-yanxiu.conf"
NGINX = "/usr/sbin/nginx"


def render_site(text: str, *, http: int, https: int, upstream: int, cert: Path, key: Path, acme: Path) -> str:
    """The shipped site with a test machine's ports and certificate; each line changed must be
    found as shipped, so an edit to the file cannot leave this test checking something else."""
    changes = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{upstream};",
        "    listen 80;\n": f"    listen 127.0.0.1:{http};\n",
        "    listen [::]:80;\n": "",
        "    listen 443 ssl http2;\n": f"    listen 127.0.0.1:{https} ssl http2;\n",
        "    listen [::]:443 ssl http2;\n": "",
        "/etc/letsencrypt/live/yanxiu.county.edu.cn/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/yanxiu.county.edu.cn/privkey.pem": str(key),
        "root /var/www/letsencrypt;": f"root {acme};",
    }
    for old, new in changes.items():
        assert text.count(old) == 1, f"deploy/nginx-yanxiu.conf no longer has {old!r} once"
        text = text.replace(old, new)
    return text


def main_conf(root: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf gives a site, minus its own gzip settings: the site
    must compress by itself."""
    temp = " ".join(f"{kind}_temp_path {root / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi",
                                                                     "scgi"))
    user = "user root;" if os.geteuid() == 0 else ""
    return f"""{user}
worker_processes 1;
pid {root / "nginx.pid"};
error_log {root / "error.log"} warn;
events {{ worker_connections 128; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {root / "access.log"};
    {temp}
    include {site};
}}
"""


def self_signed(root: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                           critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = root / "fullchain.pem", root / "privkey.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def wait_for(url: str, proc: subprocess.Popen[bytes], log: Path, verify: str | bool = True) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            if requests.get(url, timeout=2, verify=verify).status_code == 200:
                return
        except requests.RequestException:
            time.sleep(0.2)
    raise TimeoutError(f"{url} did not answer within 60 s: {log.read_text()[-2000:]}")


@dataclass
class Front:
    url: str  # https://127.0.0.1:<port>, through Nginx
    http_url: str  # the plain-HTTP server that redirects
    platform_url: str
    cert: Path
    client_key: str
    client_secret: str

    def driver(self) -> LaunchDriver:
        driver = LaunchDriver(self.platform_url)
        # requests prefers REQUESTS_CA_BUNDLE from the environment to a session's own `verify`
        driver.session.trust_env = False
        driver.session.verify = str(self.cert)
        return driver


@pytest.fixture(scope="module")
def front(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Front]:
    root = tmp_path_factory.mktemp("nginx")
    upstream, http, https = free_port(), free_port(), free_port()
    url = f"https://127.0.0.1:{https}"
    cert, key = self_signed(root)
    (root / "acme").mkdir()
    site = root / "yanxiu.conf"
    site.write_text(render_site(SITE.read_text(), http=http, https=https, upstream=upstream, cert=cert, key=key,
                                acme=root / "acme"))
    conf = root / "nginx.conf"
    conf.write_text(main_conf(root, site))
    checked = subprocess.run([NGINX, "-t", "-c", str(conf)], capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr  # `nginx -t`, as docs/deploy.md has the operator run it

    platform_late = LateBoundApp()
    platform_server = ServerThread(platform_late).start()
    config = PlatformConfig(issuer=platform_server.url, tool=tool_endpoints(url), profile="moodle",
                            client_id="yanxiu-moodle")
    platform_app = create_platform_app(config)
    platform_late.target = platform_app
    env = {k: v for k, v in os.environ.items() if not k.startswith("YANXIU_")}
    env.update({"YANXIU_ENV": "production", "YANXIU_DATABASE_URL": f"sqlite:///{root / 'yanxiu.sqlite3'}",
                "YANXIU_INSTANCE_PATH": str(root / "instance"), "YANXIU_BASE_URL": url,
                "YANXIU_TRUST_PROXY": "1"})
    cli = [sys.executable, "-m", "lti_tool.cli"]
    done = subprocess.run([*cli, "db", "upgrade"], env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    client_key, client_secret = register(env, config, platform_app.extensions["devlms"])
    serve_log, nginx_log = root / "serve.log", root / "nginx.out"
    procs = []
    try:
        with serve_log.open("wb") as out:
            procs.append(subprocess.Popen([*cli, "serve", "--host", "127.0.0.1", "--port", str(upstream),
                                           "--workers", "2"], env=env, stdout=out, stderr=subprocess.STDOUT))
        with nginx_log.open("wb") as out:
            procs.append(subprocess.Popen([NGINX, "-c", str(conf), "-g", "daemon off;"], stdout=out,
                                          stderr=subprocess.STDOUT))
        wait_for(f"http://127.0.0.1:{upstream}/healthz", procs[0], serve_log)
        wait_for(url + "/healthz", procs[1], root / "error.log", verify=str(cert))
        yield Front(url, f"http://127.0.0.1:{http}", platform_server.url, cert, client_key, client_secret)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        platform_server.stop()


def test_plain_http_is_sent_to_https(front: Front) -> None:
    r = requests.get(front.http_url + "/w/1/?x=1", allow_redirects=False, timeout=10)
    assert r.status_code == 301
    assert r.headers["Location"] == "https://127.0.0.1/w/1/?x=1"  # $host: the name, as in production


def test_a_launch_through_nginx_gets_iframe_cookies_and_compressed_pages(front: Front) -> None:
    driver = front.driver()
    home = driver.launch("maxiaoyan")
    assert home.status_code == 200 and home.url.startswith(front.url + "/w/"), (home.status_code, home.url)
    # The launch answer set the session cookie for a third-party iframe: the tool saw HTTPS through
    # X-Forwarded-Proto (ProxyFix), not the plain HTTP Nginx speaks to it.
    launch = next(r for r in [*home.history, home] if "session" in r.headers.get("Set-Cookie", ""))
    cookie = launch.headers["Set-Cookie"]
    assert "Secure" in cookie and "SameSite=None" in cookie and "Partitioned" in cookie, cookie
    assert home.headers["Strict-Transport-Security"] == "max-age=31536000"
    people = driver.session.get(home.url.rstrip("/") + "/people", timeout=10)
    assert people.status_code == 200
    assert people.headers.get("Content-Encoding") == "gzip" and "Accept-Encoding" in people.headers.get("Vary", "")
    assert "名单" in people.text  # requests undid the compression: the page is whole
    # The same page again: its CSRF token differs, so the compressed sizes tell nothing of it.
    again = driver.session.get(home.url.rstrip("/") + "/people", timeout=10)
    tokens = [set(re.findall(r'name="csrf_token" value="([^"]+)"', page.text)) for page in (people, again)]
    assert all(len(found) == 1 for found in tokens) and tokens[0] != tokens[1]
    tokens = [*tokens[0], *tokens[1]]
    # A form posted through Nginx with one of them is taken.
    created = driver.session.post(home.url.rstrip("/") + "/people/classes",
                                  data={"csrf_token": tokens[-1], "name": "城关一班"}, timeout=10)
    assert created.status_code == 200 and "城关一班" in created.text


def test_static_files_go_compressed_and_cached(front: Front) -> None:
    page = requests.get(front.url + "/w/1/", verify=str(front.cert), timeout=10).text  # "launch again"
    css = re.search(r'href="(/static/yanxiu\.css\?v=[0-9a-f]{12})"', page)
    assert css is not None, page[:500]
    for path, kind, cached in ((css.group(1), "css", "public, max-age=31536000, immutable"),
                               ("/static/player.js", "javascript", "public, max-age=3600")):
        r = requests.get(front.url + path, verify=str(front.cert), timeout=10,
                         headers={"Accept-Encoding": "gzip"}, stream=True)
        body = r.raw.read()  # as sent, still compressed
        name = path.split("/")[-1].split("?")[0]
        assert r.status_code == 200 and kind in r.headers["Content-Type"]
        assert r.headers.get("Content-Encoding") == "gzip", name
        assert len(body) < (REPO / "lti_tool" / "static" / name).stat().st_size
        assert gzip.decompress(body) == (REPO / "lti_tool" / "static" / name).read_bytes()
        assert r.headers["Cache-Control"] == cached, path  # the tool's own, as Nginx passed it


def test_xapi_through_nginx_keeps_credentials_and_lets_the_tool_refuse_big_batches(front: Front) -> None:
    auth = (front.client_key, front.client_secret)
    headers = {"X-Experience-API-Version": "1.0.3", "Content-Type": "application/json"}
    statement = {"actor": {"objectType": "Agent", "mbox": "mailto:wang@example.cn"},
                 "verb": {"id": "http://adlnet.gov/expapi/verbs/experienced"},
                 "object": {"id": "http://example.cn/a"}}
    r = requests.post(front.url + "/xapi/statements", json=statement, auth=auth, headers=headers,
                      verify=str(front.cert), timeout=10)
    assert r.status_code == 200, r.text  # the Authorization header reached the tool
    # 17 MiB: above the tool's 16 MiB, under Nginx's 22 MiB, so the tool answers, in its own words.
    big = b"[" + b" " * (17 * 1024 * 1024) + b"]"
    r = requests.post(front.url + "/xapi/statements", data=big, auth=auth, headers=headers,
                      verify=str(front.cert), timeout=60)
    assert r.status_code == 413 and "larger than 16777216 bytes" in r.json()["message"], r.text[:300]

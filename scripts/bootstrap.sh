#!/usr/bin/env bash
# Installs the Debian packages the test suite drives for real (PostgreSQL, Redis, Chromium, Nginx) when
# they are missing. Idempotent: a machine that has them is left untouched. Needs root (CI runs as root).
set -euo pipefail

need=()
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[[ -n "$pg_bin" && -x "$pg_bin/initdb" ]] || need+=(postgresql)
command -v redis-server >/dev/null || need+=(redis-server)
[[ -x /usr/bin/chromium ]] || need+=(chromium)
# The shipped Nginx site (deploy/nginx-yanxiu.conf) is run in front of the tool by tests/integration.
[[ -x /usr/sbin/nginx ]] || need+=(nginx)
# Chinese glyphs in screenshots and PDFs.
[[ -d /usr/share/fonts/truetype/wqy || -d /usr/share/fonts/opentype/noto ]] || need+=(fonts-wqy-microhei)

if [[ ${#need[@]} -eq 0 ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "bootstrap: missing Debian packages: ${need[*]} (run as root: apt-get install -y ${need[*]})" >&2
  exit 1
fi
echo "bootstrap: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# The Debian packages start a cluster, a redis and an nginx on the default ports; the suite starts its own
# on free loopback ports, so the system services are stopped to keep the machine quiet.
if command -v service >/dev/null; then
  service postgresql stop >/dev/null 2>&1 || true
  service redis-server stop >/dev/null 2>&1 || true
  service nginx stop >/dev/null 2>&1 || true
fi

#!/usr/bin/env bash
# Make sure what the test suite needs is running and installed: PostgreSQL, Redis, Debian's
# Chromium with a CJK font, docker-compose (to validate docker-compose.yml) and nginx (to
# check deploy/nginx/nginx.conf; installed without starting it).
# Starts a stopped service; installs a missing package when it can (root with apt-get);
# otherwise says plainly what to install and fails.
set -euo pipefail

need_apt=()
have() { command -v "$1" >/dev/null 2>&1; }
can_apt() { [ "$(id -u)" = 0 ] && have apt-get; }

apt_install() {
  if can_apt; then
    echo "Installing $* with apt-get ..."
    if [ ! -f /var/lib/apt/periodic/chengyi-updated ] && [ -z "$(find /var/lib/apt/lists -name '*Packages*' -mmin -1440 2>/dev/null | head -1)" ]; then
      apt-get update -qq
    fi
    # RUNLEVEL=1: packages with a service (nginx) are installed, not started.
    RUNLEVEL=1 DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "Missing: $*. Install them (Debian/Ubuntu: sudo apt-get install $*) and run again." >&2
    exit 1
  fi
}

# --- PostgreSQL -----------------------------------------------------------------------------
if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  if ! have pg_ctlcluster && ! have pg_isready; then
    apt_install postgresql
  fi
  if have pg_ctlcluster; then
    version=$(ls /etc/postgresql | sort -V | tail -1)
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  pg_isready -h 127.0.0.1 -p 5432 -q || { echo "PostgreSQL does not answer on 127.0.0.1:5432" >&2; exit 1; }
fi

# --- Redis ----------------------------------------------------------------------------------
if ! (have redis-cli && redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1); then
  have redis-server || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 20); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null || { echo "Redis does not answer on 127.0.0.1:6379" >&2; exit 1; }
fi

# --- Browser, font, compose validator -------------------------------------------------------
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || need_apt+=(fonts-wqy-microhei)
have docker-compose || need_apt+=(docker-compose)
[ -x /usr/sbin/nginx ] || have nginx || need_apt+=(nginx)
# LibreOffice converts the generated Word and Excel files to PDF in the print tests.
have soffice || need_apt+=(libreoffice-writer libreoffice-calc)
if [ ${#need_apt[@]} -gt 0 ]; then
  apt_install "${need_apt[@]}"
fi
echo "services ready: PostgreSQL, Redis, Chromium, docker-compose, nginx, LibreOffice"

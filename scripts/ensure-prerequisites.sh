#!/usr/bin/env bash
# Installs what a fresh machine lacks: npm dependencies (from the committed lockfile; `npm ci`
# rejects lockfiles made on these machines, see docs/operations.md) and nats-server.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "==> installing npm dependencies"
  npm install --no-audit --no-fund --loglevel=error
fi
if ! node -e "require('better-sqlite3')" >/dev/null 2>&1; then
  echo "==> building better-sqlite3 for this Node"
  npm rebuild better-sqlite3 --loglevel=error
fi

if ! command -v nats-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing nats-server from Debian packages"
    apt-get update -qq && apt-get install -y -qq nats-server >/dev/null
  else
    echo "nats-server is not installed. Install it with: sudo apt-get install -y nats-server" >&2
    echo "(or put a nats-server binary from the NATS releases on PATH) and run this again." >&2
    exit 1
  fi
fi

# Optional: PostgreSQL server binaries for the postgres.sql demo target (docs/targets.md). Without
# them `npm start` runs everything else and its banner says how to get them.
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing PostgreSQL from Debian packages (for the postgres.sql demo target)"
    apt-get update -qq && apt-get install -y -qq postgresql >/dev/null || echo "PostgreSQL could not be installed; the demo target is skipped" >&2
  else
    echo "PostgreSQL is not installed: the postgres.sql demo target is skipped (sudo apt-get install -y postgresql)" >&2
  fi
fi

# The SSH demo target (docs/targets.md#ssh-sshcommand) needs OpenSSH's server and client; the rest runs without.
if [ ! -x /usr/sbin/sshd ] || ! command -v ssh-keygen >/dev/null 2>&1 || ! command -v ssh >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing openssh-server and openssh-client from Debian packages (the SSH demo target)"
    apt-get update -qq && apt-get install -y -qq openssh-server openssh-client >/dev/null ||
      echo "could not install openssh-server: the SSH demo target will not start" >&2
  else
    echo "note: no sshd here, so no SSH demo target. Install it with: sudo apt-get install -y openssh-server openssh-client" >&2
  fi
fi

# The SIEM forwarder's syslog tests run a real rsyslog with TLS (rsyslog-gnutls); without it they are
# reported as skipped, with the reason.
if [ ! -x /usr/sbin/rsyslogd ] || [ ! -f /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing rsyslog and rsyslog-gnutls from Debian packages (the SIEM forwarder's syslog tests)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsyslog rsyslog-gnutls >/dev/null ||
      echo "could not install rsyslog: the syslog tests are skipped" >&2
  else
    echo "note: no rsyslog here, so the syslog tests are skipped. Install it with: sudo apt-get install -y rsyslog rsyslog-gnutls" >&2
  fi
fi

#!/usr/bin/env bash
# Validates docker-compose.yml offline with `docker-compose config -q` (Debian's docker-compose 1.29;
# no Docker engine is needed or used). There is no engine on the project's machines, so this is the
# strongest check of the file we can run here; tools/compose.spec.ts checks its content.
# Installs docker-compose when it is missing and we are root with apt-get. If it cannot be had, says
# why and exits 0: a missing linter is reported, not turned into a failed build.
set -uo pipefail
cd "$(dirname "$0")/.."

# Compose needs every ${VARIABLE:?} set; the example file holds obvious placeholders for the check.
env_file=deploy/docker/compose.env.example

if ! command -v docker-compose >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing docker-compose from Debian packages (only used to validate the file; may take a while)"
    log=$(mktemp)
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose; } >"$log" 2>&1; then
      echo "SKIPPED docker-compose validation: installing docker-compose failed:" >&2
      tail -n 5 "$log" >&2
      rm -f "$log"
      exit 0
    fi
    rm -f "$log"
  else
    echo "SKIPPED docker-compose validation: docker-compose is not installed and we are not root with apt-get." >&2
    echo "Install it with: sudo apt-get install -y docker-compose" >&2
    exit 0
  fi
fi

echo "==> docker-compose $(docker-compose version --short 2>/dev/null) config -q"
if docker-compose --env-file "$env_file" -f docker-compose.yml config -q; then
  echo "docker-compose.yml is valid"
else
  echo "docker-compose.yml is NOT valid (see above)" >&2
  exit 1
fi

# The licensed variant (stream policies) is docker-compose.yml plus this override.
licensed=deploy/kurrentdb/compose.licensed.yml
echo "==> docker-compose config -q with $licensed"
if docker-compose --env-file "$env_file" -f docker-compose.yml -f "$licensed" config -q; then
  echo "docker-compose.yml + $licensed is valid"
else
  echo "docker-compose.yml + $licensed is NOT valid (see above)" >&2
  exit 1
fi

#!/usr/bin/env bash
# Installs the web apps' npm packages when the lock file changed, then builds both apps.
# Usage: infra/scripts/web.sh [install|build]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root/web"
stamp=node_modules/.gpet-lock
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "== npm ci (web)"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
if [ "${1:-build}" = build ]; then
  echo "== building web/h5 and web/console"
  npm run build --silent
fi

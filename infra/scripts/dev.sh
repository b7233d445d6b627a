#!/usr/bin/env bash
# `make dev`: the whole product on http://127.0.0.1:3000 (H5 at /, console at /console/) with
# the partner sandbox on :3900 and demo data. Ctrl-C stops the product (the services keep
# running; `make stop` stops them).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
infra/scripts/services.sh
set -a; . .local/env; set +a
infra/scripts/web.sh build
echo "== building the local host and the sandbox"
cargo build -p gpet-local -p gpet-sandbox
trap 'infra/scripts/stack.sh stop dev' EXIT INT TERM
# The sandbox's robots keep chatting in the demo groups, so their sessions move.
GPET_SANDBOX_CHATTER=1 infra/scripts/stack.sh start dev
cat <<MSG

gpet is running (logs in .local/logs/dev-*.log):
  H5 app     http://127.0.0.1:${GPET_PORT:-3000}/            (log in as a demo WeChat user)
  console    http://127.0.0.1:${GPET_PORT:-3000}/console/    (admin / ${GPET_DEMO_ADMIN_PASSWORD:-gpet-admin})
  sandbox    http://127.0.0.1:${GPET_SANDBOX_PORT:-3900}/   (alerts: /sandbox/mail/inbox; SMTP 127.0.0.1:${GPET_SANDBOX_SMTP_PORT:-3587} STARTTLS, :${GPET_SANDBOX_SMTPS_PORT:-3465} TLS)
  API docs   http://127.0.0.1:${GPET_PORT:-3000}/api/openapi.json
Ctrl-C stops it.
MSG
tail -n 0 -f .local/logs/dev-host.log

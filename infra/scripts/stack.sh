#!/usr/bin/env bash
# Starts the partner sandbox and the local host in the background, waits until both answer,
# and writes their pids to .local/<name>.pids. Used by dev.sh (ports 3000/3900) and by the
# browser tests (their own ports, database and queue prefix).
# Usage: infra/scripts/stack.sh start NAME | stop NAME     (env: GPET_PORT, GPET_SANDBOX_PORT,
#        GPET_SANDBOX_SMTP_PORT (STARTTLS, 3587), GPET_SANDBOX_SMTPS_PORT (implicit TLS, 3465),
#        GPET_DATABASE_URL, GPET_QUEUE_PREFIX, GPET_REDIS_PREFIX; .local/env sourced)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
action=$1 name=$2
pids=.local/$name.pids
mkdir -p .local/logs

stop() {
  [ -f "$pids" ] || return 0
  while read -r pid; do kill "$pid" 2>/dev/null || true; done < "$pids"
  rm -f "$pids"
}

wait_for() { # url log
  for _ in $(seq 1 150); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "no answer from $1; last lines of $2:" >&2
  tail -n 40 "$2" >&2
  return 1
}

case $action in
  stop) stop ;;
  start)
    stop
    port=${GPET_PORT:-3000} sandbox_port=${GPET_SANDBOX_PORT:-3900}
    # The sandbox's SMTP server; the alerts go to the STARTTLS one.
    export GPET_SANDBOX_SMTP_PORT=${GPET_SANDBOX_SMTP_PORT:-3587} GPET_SANDBOX_SMTPS_PORT=${GPET_SANDBOX_SMTPS_PORT:-3465}
    export GPET_SANDBOX_URL=http://127.0.0.1:$sandbox_port
    GPET_SANDBOX_PORT=$sandbox_port GPET_SANDBOX_GPET_URL=http://127.0.0.1:$port \
      target/debug/gpet-sandbox > ".local/logs/$name-sandbox.log" 2>&1 &
    echo $! > "$pids"
    wait_for "$GPET_SANDBOX_URL/sandbox/wechat/users" ".local/logs/$name-sandbox.log"
    GPET_PORT=$port target/debug/gpet-local serve --seed > ".local/logs/$name-host.log" 2>&1 &
    echo $! >> "$pids"
    wait_for "http://127.0.0.1:$port/api/openapi.json" ".local/logs/$name-host.log"
    ;;
  *) echo "usage: $0 start|stop NAME" >&2; exit 2 ;;
esac

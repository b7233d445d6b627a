#!/usr/bin/env bash
# Installs (when missing) and starts what gpet needs on a Debian machine, without Docker:
# PostgreSQL, Redis and a local SQS-API server (moto), on loopback, data under .local/.
# Writes .local/env for `source`. Idempotent: a second run only checks that all answer.
#
#   infra/scripts/services.sh [--with-browser]   install and start (+ chromium and CJK fonts)
#   infra/scripts/services.sh --stop             stop all three
#
# Ports: GPET_PG_PORT (55432), GPET_REDIS_PORT (56379), GPET_SQS_PORT (9324). Run as root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="$ROOT/.local"
PGDATA="$LOCAL/pg"
PGRUN="$LOCAL/pg-run"
LOGS="$LOCAL/logs"
PG_PORT="${GPET_PG_PORT:-55432}"
REDIS_PORT="${GPET_REDIS_PORT:-56379}"
SQS_PORT="${GPET_SQS_PORT:-9324}"

with_browser=0
stop=0
for arg in "$@"; do
  case "$arg" in
    --with-browser) with_browser=1 ;;
    --stop) stop=1 ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "services.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf 'services: %s\n' "$*"; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/infra/scripts/lib.sh"

[[ $(id -u) == 0 ]] || die "run as root (installs packages, runs PostgreSQL as the postgres user)"

# --- install -----------------------------------------------------------------------------------

apt_updated=0
apt_install() {
  if [[ $apt_updated == 0 ]]; then
    log "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  log "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

deb_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

pg_bin_dir() { printf '%s\n' /usr/lib/postgresql/*/bin | grep -v '\*' | sort -V | tail -n 1 || true; }

# pip_install (lib.sh), after installing pip itself when this python3 has none.
pip_install_with_apt() {
  if ! python3 -m pip --version >/dev/null 2>&1; then
    apt_install python3-pip
  fi
  pip_install "$@"
}

install_missing() {
  command -v python3 >/dev/null 2>&1 || apt_install python3
  command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
  [[ -n "$(pg_bin_dir)" && -x "$(pg_bin_dir)/postgres" ]] || apt_install postgresql
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  python3 -c 'import moto.server, flask, flask_cors' >/dev/null 2>&1 || pip_install_with_apt 'moto[server]'
  command -v cfn-lint >/dev/null 2>&1 || pip_install_with_apt cfn-lint

  if [[ $with_browser == 1 ]]; then
    command -v chromium >/dev/null 2>&1 || apt_install chromium fonts-liberation
    if ! deb_installed fonts-noto-cjk && ! deb_installed fonts-wqy-zenhei; then
      [[ $apt_updated == 1 ]] || { log "apt-get update"; DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null; apt_updated=1; }
      local font
      for font in fonts-noto-cjk fonts-wqy-zenhei; do
        if [[ -n "$(apt-cache show --no-all-versions "$font" 2>/dev/null)" ]]; then
          apt_install "$font"
          break
        fi
      done
    fi
  fi
}

# --- checks --------------------------------------------------------------------------------------

PG_BIN=""
pg_answers() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" >/dev/null 2>&1; }
redis_answers() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }
moto_answers() { curl -sf -o /dev/null --max-time 2 "http://127.0.0.1:$SQS_PORT/?Action=ListQueues"; }

# wait_for NAME LOGFILE SECONDS CHECK...: polls CHECK every 0.2 s; on timeout shows the log.
wait_for() {
  local name=$1 logfile=$2 seconds=$3
  shift 3
  local tries=$((seconds * 5))
  while ((tries-- > 0)); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  printf 'services: error: %s did not answer within %ss; last lines of %s:\n' "$name" "$seconds" "$logfile" >&2
  tail -n 30 "$logfile" >&2 2>/dev/null || true
  exit 1
}

as_postgres() { (cd / && runuser -u postgres -- "$@"); }

# --- PostgreSQL ----------------------------------------------------------------------------------

start_postgres() {
  if pg_answers; then
    log "postgres already answers on 127.0.0.1:$PG_PORT"
    return
  fi
  id postgres >/dev/null 2>&1 || die "no postgres OS user (is the postgresql package installed?)"
  local major
  major="$(basename "$(dirname "$PG_BIN")")"

  # The postgres user must reach .local/pg and .local/logs: /work or /root may be closed to others.
  local dir="$LOGS"
  while :; do
    if ! as_postgres test -x "$dir"; then
      log "chmod o+x $dir (so that postgres can reach $LOCAL)"
      chmod o+x "$dir"
    fi
    [[ "$dir" != / ]] || break
    dir="$(dirname "$dir")"
  done

  # Dev data is disposable: a cluster from another major version is made anew.
  if [[ -f "$PGDATA/PG_VERSION" && "$(cat "$PGDATA/PG_VERSION")" != "$major" ]]; then
    log "cluster in $PGDATA is PostgreSQL $(cat "$PGDATA/PG_VERSION"), server is $major: re-creating it"
    rm -rf "$PGDATA"
  fi
  if [[ ! -f "$PGDATA/PG_VERSION" ]]; then
    log "initdb $PGDATA (PostgreSQL $major)"
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 700 "$PGDATA"
    local locale=C
    if locale -a 2>/dev/null | grep -qix 'c\.utf-\?8'; then locale=C.UTF-8; fi
    as_postgres "$PG_BIN/initdb" -D "$PGDATA" -A trust -U postgres --encoding=UTF8 --locale="$locale" \
      >"$LOGS/initdb.log" 2>&1 || { tail -n 30 "$LOGS/initdb.log" >&2; die "initdb failed"; }
    echo "include_if_exists = 'gpet.conf'" >>"$PGDATA/postgresql.conf"
  fi

  mkdir -p "$PGRUN"
  chown postgres:postgres "$PGRUN"
  touch "$LOGS/postgres.log"
  chown postgres:postgres "$LOGS/postgres.log"
  # Rewritten at every start, so a changed port or path takes effect.
  # fsync, synchronous_commit and full_page_writes off: a crash may lose or corrupt data. This
  # cluster is for development and tests only; never copy these settings to a real server.
  cat >"$PGDATA/gpet.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PGRUN'
max_connections = 300
fsync = off
synchronous_commit = off
full_page_writes = off
# A settlement's working set (groups, their day's rows, accounts, the new ledger entries) is
# hundreds of MB: the default 128MB of shared buffers would have it evicted mid-run.
shared_buffers = 1GB
max_wal_size = 4GB
EOF
  chown postgres:postgres "$PGDATA/gpet.conf"

  log "starting postgres on 127.0.0.1:$PG_PORT"
  # Own session: a Ctrl-C in the terminal that ran this script must not stop the server.
  if ! setsid -w runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$LOGS/postgres.log" -w -t 60 start \
    >/dev/null 2>&1; then
    tail -n 30 "$LOGS/postgres.log" >&2
    die "postgres did not start; the lines above are from $LOGS/postgres.log"
  fi
  wait_for postgres "$LOGS/postgres.log" 30 pg_answers
}

# --- Redis ---------------------------------------------------------------------------------------

start_redis() {
  if redis_answers; then
    log "redis already answers on 127.0.0.1:$REDIS_PORT"
    return
  fi
  log "starting redis on 127.0.0.1:$REDIS_PORT"
  # Counters and caches only (DESIGN.md): no persistence in dev.
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$LOCAL" --pidfile "$LOCAL/redis.pid" --logfile "$LOGS/redis.log"
  wait_for redis "$LOGS/redis.log" 15 redis_answers
}

# --- moto (SQS API) ------------------------------------------------------------------------------

# our_pid PIDFILE WORD: the pid in PIDFILE if that process lives and is WORD (pids get reused).
our_pid() {
  local pid
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [[ -n "$pid" ]] && grep -qa "$2" "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}
moto_pid() { our_pid "$LOCAL/moto.pid" moto; }

start_moto() {
  if moto_answers; then
    log "moto already answers on 127.0.0.1:$SQS_PORT"
    return
  fi
  local pid
  if pid="$(moto_pid)"; then
    log "moto (pid $pid) does not answer: restarting it"
    kill "$pid" 2>/dev/null || true
  fi
  log "starting moto_server on 127.0.0.1:$SQS_PORT"
  local cmd=(python3 -m moto.server)
  if command -v moto_server >/dev/null 2>&1; then cmd=(moto_server); fi
  (
    cd "$LOCAL"
    setsid nohup "${cmd[@]}" -H 127.0.0.1 -p "$SQS_PORT" >>"$LOGS/moto.log" 2>&1 </dev/null &
    echo $! >"$LOCAL/moto.pid"
  )
  wait_for moto "$LOGS/moto.log" 30 moto_answers
}

# --- env -----------------------------------------------------------------------------------------

write_env() {
  local chromium
  chromium="$(command -v chromium 2>/dev/null || true)"
  {
    echo "# Written by infra/scripts/services.sh; source it."
    echo "export GPET_PG_ADMIN_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres"
    echo "export GPET_PG_BIN=$PG_BIN"
    echo "export GPET_REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
    echo "export GPET_SQS_ENDPOINT=http://127.0.0.1:$SQS_PORT"
    echo "# moto takes any credentials and region."
    echo "export AWS_ACCESS_KEY_ID=test"
    echo "export AWS_SECRET_ACCESS_KEY=test"
    echo "export AWS_REGION=ap-east-1"
    echo "export AWS_DEFAULT_REGION=ap-east-1"
    if [[ -n "$chromium" ]]; then echo "export CHROMIUM_PATH=$chromium"; fi
  } >"$LOCAL/env.tmp"
  mv "$LOCAL/env.tmp" "$LOCAL/env"
}

# --- stop ----------------------------------------------------------------------------------------

stop_all() {
  PG_BIN="$(pg_bin_dir)"
  if [[ -n "$PG_BIN" && -f "$PGDATA/postmaster.pid" ]]; then
    log "stopping postgres"
    as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null || true
  fi
  local pid
  # Only our own servers: another checkout may use the same ports.
  if pid="$(our_pid "$LOCAL/redis.pid" redis-server)"; then
    log "stopping redis (pid $pid)"
    redis-cli -h 127.0.0.1 -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
  fi
  if pid="$(moto_pid)"; then
    log "stopping moto (pid $pid)"
    kill "$pid" 2>/dev/null || true
    local tries=50
    while ((tries-- > 0)) && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$LOCAL/moto.pid"
  log "stopped"
}

# --- main ----------------------------------------------------------------------------------------

mkdir -p "$LOCAL" "$LOGS"
if [[ $stop == 1 ]]; then
  stop_all
  exit 0
fi

install_missing
PG_BIN="$(pg_bin_dir)"
[[ -x "$PG_BIN/postgres" ]] || die "no PostgreSQL server under /usr/lib/postgresql/*/bin"
start_postgres
start_redis
start_moto
write_env
log "ready: postgres 127.0.0.1:$PG_PORT, redis 127.0.0.1:$REDIS_PORT, sqs http://127.0.0.1:$SQS_PORT; source $LOCAL/env"

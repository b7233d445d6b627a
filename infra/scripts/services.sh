#!/usr/bin/env bash
# Installs (when missing) and starts what gpet needs on a Debian machine, without Docker:
# PostgreSQL, Redis and a local AWS-API server (moto: SQS and Secrets Manager), on loopback, data
# under .local/. Both stores run as AWS runs them: TLS only (a local CA in .local/tls), passwords
# (generated once, in .local/passwords), Redis as a one-node cluster behind one endpoint like
# ElastiCache Serverless. Writes .local/env for `source`. Idempotent: a second run only checks.
#
#   infra/scripts/services.sh [--with-browser] [--with-deploy-tools]   install and start
#       --with-browser        also chromium and CJK fonts (browser tests)
#       --with-deploy-tools   also SAM CLI, cargo-lambda, zig, awscli, qemu, the arm64 target
#   infra/scripts/services.sh --stop                                     stop all three
#
# Ports: GPET_PG_PORT (55432), GPET_REDIS_PORT (56379), GPET_REDIS_CLUSTER_PORT (Redis port +
# 1000), GPET_SQS_PORT (9324, moto: every AWS API). Run as root.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
LOCAL="$ROOT/.local"
PGDATA="$LOCAL/pg"
PGRUN="$LOCAL/pg-run"
LOGS="$LOCAL/logs"
TLS="$LOCAL/tls"
PASSWORDS="$LOCAL/passwords"
PG_PORT="${GPET_PG_PORT:-55432}"
REDIS_PORT="${GPET_REDIS_PORT:-56379}"
# Redis derives its cluster-bus port as port + 10000, past 65535 for the default port: set it.
REDIS_CLUSTER_PORT="${GPET_REDIS_CLUSTER_PORT:-$((REDIS_PORT + 1000))}"
SQS_PORT="${GPET_SQS_PORT:-9324}"

with_browser=0
with_deploy_tools=0
stop=0
for arg in "$@"; do
  case "$arg" in
    --with-browser) with_browser=1 ;;
    --with-deploy-tools) with_deploy_tools=1 ;;
    --stop) stop=1 ;;
    -h | --help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "services.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf 'services: %s\n' "$*"; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/infra/scripts/lib.sh"

[[ $(id -u) == 0 ]] || die "run as root (installs packages, runs PostgreSQL as the postgres user)"
((REDIS_CLUSTER_PORT > 0 && REDIS_CLUSTER_PORT < 65536 && REDIS_CLUSTER_PORT != REDIS_PORT)) ||
  die "the Redis cluster-bus port $REDIS_CLUSTER_PORT is not a free port number: set GPET_REDIS_CLUSTER_PORT"

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

# python_has MODULE...: whether python3 can import them all, found without importing them (an
# import of moto.server alone takes a second). Through the interpreter itself: pyenv's python3
# shim alone takes 0.3 s a call.
python_exe=""
python_has() {
  [[ -n "$python_exe" ]] || python_exe="$(python3 -c 'import sys; print(sys.executable)')"
  "$python_exe" - "$@" 2>/dev/null <<'PY'
import importlib.util, sys
sys.exit(any(importlib.util.find_spec(name) is None for name in sys.argv[1:]))
PY
}

install_missing() {
  command -v python3 >/dev/null 2>&1 || apt_install python3
  command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
  command -v openssl >/dev/null 2>&1 || apt_install openssl
  [[ -n "$(pg_bin_dir)" && -x "$(pg_bin_dir)/postgres" ]] || apt_install postgresql
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  python_has moto flask flask_cors || pip_install_with_apt 'moto[server]'
  command -v cfn-lint >/dev/null 2>&1 || pip_install_with_apt cfn-lint
  install_aliyun_sdk

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
  if [[ $with_deploy_tools == 1 ]]; then install_deploy_tools; fi
}

# Aliyun's official SMS SDK, pinned, in a venv of its own (.local/aliyun-sdk): the sandbox's tests
# send SendSms through it (infra/sandbox/tests/sms.rs), so the sandbox is checked against what
# Aliyun's own client signs and sends.
ALIYUN_SDK="$LOCAL/aliyun-sdk"
ALIYUN_SDK_VERSION=4.6.0
install_aliyun_sdk() {
  local has
  has=$("$ALIYUN_SDK/bin/python" -c 'import importlib.metadata as m; print(m.version("alibabacloud_dysmsapi20170525"))' 2>/dev/null || true)
  [[ $has == "$ALIYUN_SDK_VERSION" ]] && return 0
  python3 -c 'import ensurepip, venv' 2>/dev/null || apt_install python3-venv
  log "pip install alibabacloud_dysmsapi20170525==$ALIYUN_SDK_VERSION into $ALIYUN_SDK"
  rm -rf "$ALIYUN_SDK"
  python3 -m venv "$ALIYUN_SDK"
  "$ALIYUN_SDK/bin/python" -m pip install --quiet --disable-pip-version-check \
    "alibabacloud_dysmsapi20170525==$ALIYUN_SDK_VERSION"
}

# What `sam validate`/`sam build` and `make package` need: the SAM CLI and its translator, the
# AWS CLI, cargo-lambda with zig (cross-compiles to arm64 without Docker), qemu and the arm64
# C library (to run an arm64 binary here), and Rust's arm64 target. Checked without importing
# anything, so that a machine that has them all passes in a fraction of a second.
install_deploy_tools() {
  local pips=() debs=()
  python_has samtranslator || pips+=(aws-sam-translator)
  python_has ziglang || pips+=(ziglang)
  command -v sam >/dev/null 2>&1 || pips+=(aws-sam-cli)
  command -v cargo-lambda >/dev/null 2>&1 || pips+=(cargo-lambda)
  command -v aws >/dev/null 2>&1 || pips+=(awscli)
  ((${#pips[@]} == 0)) || pip_install_with_apt "${pips[@]}"

  deb_installed qemu-user-static || debs+=(qemu-user-static)
  deb_installed libc6-arm64-cross || debs+=(libc6-arm64-cross)
  ((${#debs[@]} == 0)) || apt_install "${debs[@]}"

  local target=aarch64-unknown-linux-gnu
  if ! command -v rustup >/dev/null 2>&1; then
    log "warning: no rustup, so no Rust target $target (make package needs it)"
  elif ! rustup target list --installed | grep -qx "$target"; then
    log "rustup target add $target"
    rustup target add "$target"
  fi
}

# --- passwords -----------------------------------------------------------------------------------

# random_password: 32 letters and digits (nothing to quote in a URL, a config file or SQL).
random_password() {
  local chars=""
  while ((${#chars} < 32)); do
    chars+="$(head -c 256 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')"
  done
  printf '%s\n' "${chars:0:32}"
}

# Loads .local/passwords; makes the ones missing (first start, or the file deleted: the start
# then sets the new ones on the servers). Kept apart from .local/env, which is rewritten each time.
GPET_PG_ADMIN_PASSWORD=""
GPET_PG_APP_PASSWORD=""
GPET_REDIS_PASSWORD=""
load_passwords() {
  if [[ -f "$PASSWORDS" ]]; then
    # shellcheck source=/dev/null
    source "$PASSWORDS"
  fi
  [[ ${1:-} != --existing ]] || return 0
  local name made=0
  for name in GPET_PG_ADMIN_PASSWORD GPET_PG_APP_PASSWORD GPET_REDIS_PASSWORD; do
    if [[ ! "${!name}" =~ ^[A-Za-z0-9]{16,}$ ]]; then
      printf -v "$name" '%s' "$(random_password)"
      made=1
    fi
  done
  if [[ $made == 1 ]]; then
    log "new passwords in $PASSWORDS"
    (
      umask 077
      {
        echo "# Written by infra/scripts/services.sh: the local servers' passwords. Sourced by it."
        echo "# PostgreSQL superuser postgres, application role gpet; Redis ACL user gpet."
        echo "GPET_PG_ADMIN_PASSWORD=$GPET_PG_ADMIN_PASSWORD"
        echo "GPET_PG_APP_PASSWORD=$GPET_PG_APP_PASSWORD"
        echo "GPET_REDIS_PASSWORD=$GPET_REDIS_PASSWORD"
      } >"$PASSWORDS.tmp"
    )
    mv "$PASSWORDS.tmp" "$PASSWORDS"
  fi
  chmod 600 "$PASSWORDS"
}

# What gpet_redis_cli (lib.sh) and .local/env use.
GPET_REDIS_URL="rediss://127.0.0.1:$REDIS_PORT"
GPET_REDIS_USER=gpet
GPET_TLS_CA_FILE="$TLS/ca.pem"
# Every call here is short; a longer one meets a server that is not ours (or not TLS).
GPET_REDIS_CLI_TIMEOUT=5

# --- TLS -----------------------------------------------------------------------------------------

# A local CA and server certificates it issues for localhost and 127.0.0.1, all EC P-256: small
# enough for the CA to travel in a Lambda environment variable in tests. `server` is the
# stores' (PostgreSQL, Redis), `smtp` the sandbox SMTP server's (its own key: the sandbox is not
# a store). Made once; a server certificate again when missing or no longer valid under the CA
# (a new CA, or expired). Explicit X.509 v3 extensions: rustls (webpki) refuses a CA without
# CA:TRUE, a CA certificate as a server's, and a server certificate without subjectAltName.
make_tls() {
  mkdir -p "$TLS"
  chmod 755 "$TLS"
  if [[ ! -s "$TLS/ca.pem" || ! -s "$TLS/ca.key" ]]; then
    log "making a local CA in $TLS"
    rm -f "$TLS/server.pem" "$TLS/server.key" "$TLS/smtp.pem" "$TLS/smtp.key"
    (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TLS/ca.key" 2>/dev/null)
    openssl req -x509 -new -key "$TLS/ca.key" -sha256 -days 3650 -subj "/CN=gpet local CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
      -out "$TLS/ca.pem" 2>/dev/null
  fi
  issue_server_certificate server
  issue_server_certificate smtp
}

# issue_server_certificate NAME: $TLS/NAME.pem and NAME.key, a leaf the CA signs for localhost
# and 127.0.0.1, unless a valid one is there.
issue_server_certificate() {
  local name=$1
  if [[ -s "$TLS/$name.pem" && -s "$TLS/$name.key" ]] &&
    openssl verify -CAfile "$TLS/ca.pem" "$TLS/$name.pem" >/dev/null 2>&1; then
    return
  fi
  log "making the $name certificate (localhost, 127.0.0.1) in $TLS"
  (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$TLS/$name.key" 2>/dev/null)
  openssl req -new -key "$TLS/$name.key" -subj "/CN=localhost" 2>/dev/null |
    openssl x509 -req -CA "$TLS/ca.pem" -CAkey "$TLS/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
      -sha256 -days 3650 -out "$TLS/$name.pem" -extfile <(printf '%s\n' \
        'basicConstraints=critical,CA:FALSE' \
        'keyUsage=critical,digitalSignature' \
        'extendedKeyUsage=serverAuth,clientAuth' \
        'subjectAltName=DNS:localhost,IP:127.0.0.1' \
        'subjectKeyIdentifier=hash' \
        'authorityKeyIdentifier=keyid') 2>/dev/null
  chmod 644 "$TLS/ca.pem" "$TLS/$name.pem"
  openssl verify -CAfile "$TLS/ca.pem" "$TLS/$name.pem" >/dev/null || die "the new $name certificate does not verify"
}

# --- checks --------------------------------------------------------------------------------------

PG_BIN=""
# The check is the real path: TLS with the certificate verified, and the superuser's password.
pg_answers() {
  PGPASSWORD="$GPET_PG_ADMIN_PASSWORD" "$PG_BIN/psql" -X -Atq -c 'SELECT 1' \
    "host=127.0.0.1 port=$PG_PORT user=postgres dbname=postgres sslmode=verify-full sslrootcert=$TLS/ca.pem connect_timeout=2" \
    >/dev/null 2>&1
}
pg_socket_answers() { as_postgres "$PG_BIN/pg_isready" -q -h "$PGRUN" -p "$PG_PORT" -U postgres >/dev/null 2>&1; }
redis_answers() { [[ "$(gpet_redis_cli ping 2>/dev/null)" == PONG ]]; }
redis_cluster_ok() { gpet_redis_cli cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }
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

# install_if_changed SOURCE TARGET OWNER MODE: copies SOURCE over TARGET unless they are equal;
# succeeds when it copied (the server then needs a restart), fails when nothing changed.
install_if_changed() {
  if cmp -s "$1" "$2"; then return 1; fi
  install -o "$3" -g "$3" -m "$4" "$1" "$2"
}

# write_if_changed TARGET OWNER MODE <TEXT: install_if_changed with the text on stdin.
write_if_changed() {
  local tmp status=0
  tmp="$(mktemp)"
  cat >"$tmp"
  install_if_changed "$tmp" "$@" || status=$?
  rm -f "$tmp"
  return "$status"
}

# --- PostgreSQL ----------------------------------------------------------------------------------

start_postgres() {
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

  stop_orphan_postgres
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
    as_postgres "$PG_BIN/initdb" -D "$PGDATA" --auth-local=peer --auth-host=scram-sha-256 -U postgres \
      --encoding=UTF8 --locale="$locale" \
      >"$LOGS/initdb.log" 2>&1 || { tail -n 30 "$LOGS/initdb.log" >&2; die "initdb failed"; }
    echo "include_if_exists = 'gpet.conf'" >>"$PGDATA/postgresql.conf"
  fi

  mkdir -p "$PGRUN"
  chown postgres:postgres "$PGRUN"
  touch "$LOGS/postgres.log"
  chown postgres:postgres "$LOGS/postgres.log"

  # Rewritten at every start, so a changed port or path takes effect; a server running with
  # other files (an older config, a new certificate) is restarted, which covers the settings
  # a reload would not (port, shared_buffers).
  local changed=0
  # fsync, synchronous_commit and full_page_writes off: a crash may lose or corrupt data. This
  # cluster is for development and tests only; never copy these settings to a real server.
  write_if_changed "$PGDATA/gpet.conf" postgres 0600 <<EOF && changed=1
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
# TLS as RDS Proxy requires it (pg_hba.conf refuses connections without it); copies of the
# local CA's server certificate and key, the key readable by postgres only.
ssl = on
ssl_cert_file = 'gpet-server.pem'
ssl_key_file = 'gpet-server.key'
ssl_min_protocol_version = 'TLSv1.2'
password_encryption = 'scram-sha-256'
EOF
  # TCP: TLS and a SCRAM password only, as through RDS Proxy. The socket serves this script
  # alone (peer: the postgres OS user as the postgres role), to set the passwords.
  write_if_changed "$PGDATA/pg_hba.conf" postgres 0600 <<EOF && changed=1
# Written by infra/scripts/services.sh at every start.
# TYPE    DATABASE  USER      ADDRESS        METHOD
local     all       postgres                 peer
hostssl   all       all       127.0.0.1/32   scram-sha-256
hostssl   all       all       ::1/128        scram-sha-256
hostnossl all       all       all            reject
EOF
  install_if_changed "$TLS/server.pem" "$PGDATA/gpet-server.pem" postgres 0644 && changed=1
  install_if_changed "$TLS/server.key" "$PGDATA/gpet-server.key" postgres 0600 && changed=1

  local running=0
  if as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then running=1; fi
  if [[ $running == 1 && $changed == 1 ]]; then
    log "postgres config changed: restarting it"
    as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null
    running=0
  fi
  if [[ $running == 0 ]]; then
    log "starting postgres on 127.0.0.1:$PG_PORT (TLS only)"
    # Own session: a Ctrl-C in the terminal that ran this script must not stop the server.
    if ! setsid -w runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$LOGS/postgres.log" -w -t 60 start \
      >/dev/null 2>&1; then
      tail -n 30 "$LOGS/postgres.log" >&2
      die "postgres did not start; the lines above are from $LOGS/postgres.log"
    fi
    wait_for postgres "$LOGS/postgres.log" 30 pg_socket_answers
  fi
  set_pg_roles
  wait_for "postgres (TLS, password)" "$LOGS/postgres.log" 30 pg_answers
  if [[ $running == 1 ]]; then log "postgres already answers on 127.0.0.1:$PG_PORT (TLS)"; fi
}

# A server still running after its data directory was deleted (rm -rf .local/pg) holds the port
# and has no postmaster.pid left for pg_ctl: stopped by its pid (SIGINT: a fast shutdown). Only
# the postmaster of this very directory, which its deleted working directory proves.
stop_orphan_postgres() {
  [[ ! -f "$PGDATA/postmaster.pid" ]] || return 0
  local pid
  for pid in $(pgrep -u postgres -x postgres || true); do
    [[ "$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline")" == *" -D $PGDATA " ]] || continue
    [[ "$(readlink "/proc/$pid/cwd" 2>/dev/null)" == "$PGDATA (deleted)" ]] || continue
    log "postgres (pid $pid) runs on a deleted $PGDATA: stopping it"
    kill -INT "$pid" 2>/dev/null || continue
    local tries=100
    while ((tries-- > 0)) && kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
  done
}

# The superuser postgres (creates and drops the test databases) and the application role gpet
# (what the functions use, as in AWS: no superuser), both with their password, at every start:
# a new .local/passwords or an old cluster gets them. Through the socket; the SQL on stdin,
# so that no password shows in a process list.
set_pg_roles() {
  as_postgres "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PGRUN" -p "$PG_PORT" -U postgres -d postgres \
    >/dev/null <<SQL || die "could not set the PostgreSQL roles' passwords"
SELECT 'CREATE ROLE gpet' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'gpet') \gexec
ALTER ROLE gpet WITH LOGIN CREATEDB NOSUPERUSER NOCREATEROLE PASSWORD '$GPET_PG_APP_PASSWORD';
ALTER ROLE postgres WITH PASSWORD '$GPET_PG_ADMIN_PASSWORD';
SQL
}

# --- Redis ---------------------------------------------------------------------------------------

# our_pid PIDFILE WORD: the pid in PIDFILE if that process lives and is WORD (pids get reused).
our_pid() {
  local pid
  pid="$(cat "$1" 2>/dev/null)" || return 1
  [[ -n "$pid" ]] && grep -qa "$2" "/proc/$pid/cmdline" 2>/dev/null && echo "$pid"
}

# stop_pid PID: SIGTERM, up to 5 s to exit, then SIGKILL.
stop_pid() {
  kill "$1" 2>/dev/null || return 0
  local tries=50
  while ((tries-- > 0)) && kill -0 "$1" 2>/dev/null; do sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

stop_redis() {
  local pid
  # Only our own server: another checkout may use the same port.
  pid="$(our_pid "$LOCAL/redis.pid" redis-server)" || return 0
  log "stopping redis (pid $pid)"
  # SHUTDOWN NOSAVE through TLS as gpet; SIGTERM for a server started otherwise (an older
  # script's, without TLS). Either way nothing is saved: no save points are configured.
  gpet_redis_cli shutdown nosave >/dev/null 2>&1 || true
  stop_pid "$pid"
}

# As ElastiCache Serverless: TLS only, the ACL user gpet (the default user off), cluster mode
# with every slot on this one node, so a plain client on one endpoint works and any multi-key
# command across slots fails with CROSSSLOT, as it will in AWS. A config file rather than
# arguments: the password (hashed) stays out of the process list.
start_redis() {
  local changed=0 password_hash
  password_hash="$(printf '%s' "$GPET_REDIS_PASSWORD" | sha256sum | cut -d ' ' -f 1)"
  write_if_changed "$LOCAL/redis.conf" root 0600 <<EOF && changed=1
# Written by infra/scripts/services.sh at every start.
bind 127.0.0.1
port 0
tls-port $REDIS_PORT
tls-cert-file $TLS/server.pem
tls-key-file $TLS/server.key
tls-ca-cert-file $TLS/ca.pem
# No client certificates: ElastiCache authenticates by user and password.
tls-auth-clients no
# The cluster announces the TLS port (CLUSTER SLOTS, MOVED); without it, port 0.
tls-cluster yes
cluster-enabled yes
cluster-config-file $LOCAL/redis-nodes.conf
cluster-port $REDIS_CLUSTER_PORT
cluster-announce-ip 127.0.0.1
# Counters and caches only (DESIGN.md): no persistence in dev.
save ""
appendonly no
daemonize yes
dir $LOCAL
pidfile $LOCAL/redis.pid
logfile $LOGS/redis.log
user default off
user gpet on #$password_hash ~* &* +@all
EOF

  if [[ $changed == 1 ]] || ! redis_answers; then
    if our_pid "$LOCAL/redis.pid" redis-server >/dev/null; then
      log "redis config changed or redis does not answer over TLS: restarting it"
      stop_redis
    fi
  fi
  if redis_answers; then
    log "redis already answers on 127.0.0.1:$REDIS_PORT (TLS)"
  else
    log "starting redis on 127.0.0.1:$REDIS_PORT (TLS only, cluster mode, bus $REDIS_CLUSTER_PORT)"
    # No data survives a restart, so neither does the cluster's node: a fresh one each start.
    rm -f "$LOCAL/redis-nodes.conf"
    redis-server "$LOCAL/redis.conf"
    wait_for redis "$LOGS/redis.log" 15 redis_answers
  fi
  if gpet_redis_cli cluster info | grep -q '^cluster_slots_assigned:0\b'; then
    gpet_redis_cli cluster addslotsrange 0 16383 >/dev/null
  fi
  # A node turns ok a moment (about 2 s) after it got its slots.
  wait_for "redis cluster_state:ok" "$LOGS/redis.log" 15 redis_cluster_ok
}

# --- moto (AWS APIs: SQS, Secrets Manager) -------------------------------------------------------

moto_pid() { our_pid "$LOCAL/moto.pid" moto; }

start_moto() {
  if moto_answers; then
    log "moto already answers on 127.0.0.1:$SQS_PORT"
    return
  fi
  local pid
  if pid="$(moto_pid)"; then
    log "moto (pid $pid) does not answer: restarting it"
    stop_pid "$pid"
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

# One `export NAME=value` a line, values unquoted (letters, digits, URLs, paths): the Rust test
# harness reads this file too. It holds the passwords, hence 0600.
write_env() {
  local chromium
  chromium="$(command -v chromium 2>/dev/null || true)"
  (
    umask 077
    {
      echo "# Written by infra/scripts/services.sh; source it."
      echo "export GPET_PG_ADMIN_URL=postgres://postgres:$GPET_PG_ADMIN_PASSWORD@127.0.0.1:$PG_PORT/postgres"
      echo "export GPET_PG_APP_USER=gpet"
      echo "export GPET_PG_APP_PASSWORD=$GPET_PG_APP_PASSWORD"
      echo "export GPET_PG_BIN=$PG_BIN"
      echo "export GPET_REDIS_URL=$GPET_REDIS_URL"
      echo "export GPET_REDIS_USER=$GPET_REDIS_USER"
      echo "export GPET_REDIS_PASSWORD=$GPET_REDIS_PASSWORD"
      echo "# The local CA: the Rust clients trust it (and only it) for PostgreSQL and Redis."
      echo "export GPET_TLS_CA_FILE=$GPET_TLS_CA_FILE"
      echo "# The sandbox SMTP server's certificate (issued by the local CA) and key."
      echo "export GPET_SANDBOX_SMTP_CERT_FILE=$TLS/smtp.pem"
      echo "export GPET_SANDBOX_SMTP_KEY_FILE=$TLS/smtp.key"
      echo "# psql and libpq verify the server as the functions do."
      echo "export PGSSLMODE=verify-full"
      echo "export PGSSLROOTCERT=$GPET_TLS_CA_FILE"
      echo "# moto: SQS and Secrets Manager on one port, for the AWS SDKs and CLI."
      echo "export AWS_ENDPOINT_URL=http://127.0.0.1:$SQS_PORT"
      echo "# moto takes any credentials and region."
      echo "export AWS_ACCESS_KEY_ID=test"
      echo "export AWS_SECRET_ACCESS_KEY=test"
      echo "export AWS_REGION=ap-east-1"
      echo "export AWS_DEFAULT_REGION=ap-east-1"
      if [[ -n "$chromium" ]]; then echo "export CHROMIUM_PATH=$chromium"; fi
    } >"$LOCAL/env.tmp"
  )
  mv "$LOCAL/env.tmp" "$LOCAL/env"
}

# --- stop ----------------------------------------------------------------------------------------

stop_all() {
  PG_BIN="$(pg_bin_dir)"
  if [[ -n "$PG_BIN" && -f "$PGDATA/postmaster.pid" ]]; then
    log "stopping postgres"
    as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA" -m fast -w -t 60 stop >/dev/null || true
  fi
  load_passwords --existing
  stop_redis
  local pid
  if pid="$(moto_pid)"; then
    log "stopping moto (pid $pid)"
    stop_pid "$pid"
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
load_passwords
make_tls
start_postgres
start_redis
start_moto
write_env
log "ready: postgres 127.0.0.1:$PG_PORT and redis 127.0.0.1:$REDIS_PORT (TLS, CA $GPET_TLS_CA_FILE), AWS APIs http://127.0.0.1:$SQS_PORT; source $LOCAL/env"

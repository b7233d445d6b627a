# shellcheck shell=bash
# Helpers shared by the scripts here; `source` it. The sourcing script defines `log`.

# pip_install ARGS...: `python3 -m pip install ARGS`, quietly, into this python3 (also Debian's
# own), then makes the new commands visible to this shell (and to pyenv's shims).
pip_install() {
  local flags=(--quiet --disable-pip-version-check --root-user-action=ignore)
  # Debian's own python3 refuses pip installs (PEP 668); a pyenv or venv python does not.
  if [[ -f "$(python3 -c 'import sysconfig; print(sysconfig.get_path("stdlib"))')/EXTERNALLY-MANAGED" ]]; then
    flags+=(--break-system-packages)
  fi
  log "pip install $*"
  python3 -m pip install "${flags[@]}" "$@"
  hash -r
  if command -v pyenv >/dev/null 2>&1; then pyenv rehash || true; fi
}

# gpet_redis_cli ARGS...: redis-cli to the local Redis the way the functions reach ElastiCache:
# TLS with the server verified against the local CA, as the ACL user with its password. The
# password goes through REDISCLI_AUTH, so it shows neither in a process list nor in a log.
# Reads GPET_REDIS_URL (rediss://host:port), GPET_REDIS_USER, GPET_REDIS_PASSWORD and
# GPET_TLS_CA_FILE, as .local/env exports them. With GPET_REDIS_CLI_TIMEOUT set (seconds), a
# call that takes longer is stopped: redis-cli has no connect timeout, and its TLS handshake
# with a server that speaks plain TCP on that port waits for ever.
gpet_redis_cli() {
  local address="${GPET_REDIS_URL#*://}" limit=()
  address="${address%%/*}"
  if [[ -n "${GPET_REDIS_CLI_TIMEOUT:-}" ]]; then limit=(timeout "$GPET_REDIS_CLI_TIMEOUT"); fi
  REDISCLI_AUTH="$GPET_REDIS_PASSWORD" "${limit[@]}" redis-cli --tls --cacert "$GPET_TLS_CA_FILE" \
    --user "$GPET_REDIS_USER" -h "${address%:*}" -p "${address##*:}" "$@"
}

# gpet_redis_unlink_matching PATTERN: removes every key matching PATTERN. One UNLINK per key:
# Redis runs in cluster mode, where a DEL of keys in different slots fails with CROSSSLOT. The
# commands go in the wire protocol through one connection (--pipe), so any key without a newline
# is safe and a thousand keys take no longer than one.
gpet_redis_unlink_matching() {
  gpet_redis_cli --scan --pattern "$1" |
    LC_ALL=C awk '{ printf "*2\r\n$6\r\nUNLINK\r\n$%d\r\n%s\r\n", length($0), $0 }' |
    gpet_redis_cli --pipe >/dev/null
}

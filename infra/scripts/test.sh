#!/usr/bin/env bash
# `make test`: every test, as CI runs it, on a fresh Debian machine or this one.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$*" $(( $(date +%s) - started )); }

step "services: PostgreSQL, Redis, SQS-API server, Chromium"
infra/scripts/services.sh --with-browser
set -a; . .local/env; set +a

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "build every function binary (the Lambda runtime tests run them)"
cargo build --workspace --bins --quiet

step "drop test databases left by interrupted runs"
psql "$GPET_PG_ADMIN_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'gpet_test_%'" |
  while read -r db; do psql "$GPET_PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done

step "Rust tests: unit, integration (real PostgreSQL, Redis, SQS, sandbox), Lambda runtime"
cargo test --workspace --quiet

step "cfn-lint template.yaml"
cfn-lint template.yaml

step "web: install, unit tests, build"
infra/scripts/web.sh install
npm --prefix web run test:unit --silent
infra/scripts/web.sh build

step "browser tests (headless Chromium) against a local stack of their own"
export GPET_PORT=${GPET_E2E_PORT:-3300} GPET_SANDBOX_PORT=${GPET_E2E_SANDBOX_PORT:-3910}
export GPET_DATABASE_URL="${GPET_PG_ADMIN_URL%/*}/gpet_e2e" GPET_QUEUE_PREFIX=e2e- GPET_REDIS_PREFIX=e2e:
psql "$GPET_PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS gpet_e2e WITH (FORCE)"
# Redis caches what the database holds (short links by code): a fresh database, a fresh cache.
redis-cli -u "$GPET_REDIS_URL" --scan --pattern "$GPET_REDIS_PREFIX*" | xargs -r redis-cli -u "$GPET_REDIS_URL" DEL >/dev/null
trap 'infra/scripts/stack.sh stop e2e' EXIT
infra/scripts/stack.sh start e2e
GPET_BASE_URL=http://127.0.0.1:$GPET_PORT GPET_SANDBOX_URL=http://127.0.0.1:$GPET_SANDBOX_PORT \
  npm --prefix web run test:e2e --silent

step "all tests passed"

#!/usr/bin/env bash
# `make test`: every test, as CI runs it, on a fresh Debian machine or this one.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
started=$(date +%s)
step() { printf '\n== %s (%ss)\n' "$*" $(( $(date +%s) - started )); }

step "services: PostgreSQL, Redis (TLS only), AWS-API server, Chromium, deploy tools"
infra/scripts/services.sh --with-browser --with-deploy-tools
# psql verifies the server (PGSSLMODE=verify-full, PGSSLROOTCERT); gpet_redis_cli (lib.sh) too.
set -a; . .local/env; set +a
# shellcheck source-path=SCRIPTDIR source=lib.sh
. infra/scripts/lib.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "build every function binary (the Lambda runtime tests run them)"
cargo build --workspace --bins --quiet

step "drop test databases left by interrupted runs"
psql "$GPET_PG_ADMIN_URL" -Atc "SELECT datname FROM pg_database WHERE datname LIKE 'gpet_test_%'" |
  while read -r db; do psql "$GPET_PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)"; done

step "arm64 Lambda artifact: sam build H5MeFunction, as deployed (the runtime tests run it under qemu)"
infra/scripts/package.sh --build-dir .aws-sam/test H5MeFunction
export GPET_ARM64_BOOTSTRAP="$root/.aws-sam/test/H5MeFunction/bootstrap"

step "Rust tests: unit, integration (real PostgreSQL, Redis, SQS, sandbox), Lambda runtime"
cargo test --workspace --quiet

step "cfn-lint template.yaml"
cfn-lint --regions us-east-1 ap-east-1 cn-north-1 cn-northwest-1 -- template.yaml

step "deploy tooling against the local AWS APIs: web upload, invalidation, partner secrets"
python3 infra/deploy/deploy_test.py

step "web: install, unit tests, build"
infra/scripts/web.sh install
npm --prefix web run test:unit --silent
infra/scripts/web.sh build

step "browser tests (headless Chromium) against a local stack of their own"
export GPET_PORT=${GPET_E2E_PORT:-3300} GPET_SANDBOX_PORT=${GPET_E2E_SANDBOX_PORT:-3910}
# Host, port and name only, as in AWS: the stack connects as the application role.
pg_address=${GPET_PG_ADMIN_URL#*@}
export GPET_DATABASE_URL="postgres://${pg_address%/*}/gpet_e2e" GPET_QUEUE_PREFIX=e2e- GPET_REDIS_PREFIX=e2e:
psql "$GPET_PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS gpet_e2e WITH (FORCE)"
# Redis caches what the database holds (short links by code): a fresh database, a fresh cache.
gpet_redis_unlink_matching "$GPET_REDIS_PREFIX*"
trap 'infra/scripts/stack.sh stop e2e' EXIT
infra/scripts/stack.sh start e2e
GPET_BASE_URL=http://127.0.0.1:$GPET_PORT GPET_SANDBOX_URL=http://127.0.0.1:$GPET_SANDBOX_PORT \
  npm --prefix web run test:e2e --silent

step "all tests passed"

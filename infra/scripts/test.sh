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

step "compile the Rust tests"
cargo test --workspace --quiet --no-run

# The deployed arm64 artifact of one function, built by `sam build` as `make package` does. It
# builds at the lowest priority while the tests below run: they mostly wait on PostgreSQL, the
# queues and the browser, and the build takes what CPU they leave (cargo locks target/debug for
# the tests, target/release and target/aarch64-… for this). Its test runs last.
step "arm64 Lambda artifact: sam build H5MeFunction in the background (nice 19)"
arm64_log=.local/logs/arm64-build.log
setsid nice -n 19 infra/scripts/package.sh --build-dir .aws-sam/test H5MeFunction >"$arm64_log" 2>&1 &
arm64_build=$!
e2e_stack=0
cleanup() {
  # Its own process group (setsid): sam and cargo stop with it.
  kill -- "-$arm64_build" 2>/dev/null || true
  if [[ $e2e_stack == 1 ]]; then infra/scripts/stack.sh stop e2e; fi
}
trap cleanup EXIT
export GPET_ARM64_BOOTSTRAP="$root/.aws-sam/test/H5MeFunction/bootstrap"

step "Rust tests: unit, integration (real PostgreSQL, Redis, SQS, sandbox), Lambda runtime"
# Four at a time: the integration tests wait on the services far more than they compute.
cargo test --workspace --quiet -- --skip the_arm64_artifact --test-threads=4

step "cfn-lint template.yaml"
cfn-lint --regions us-east-1 ap-east-1 cn-north-1 cn-northwest-1 -- template.yaml

step "deploy tooling against the local AWS APIs: web upload, invalidation, partner secrets"
python3 infra/deploy/deploy_test.py

step "web: install, API types against the OpenAPI document, unit tests, build"
infra/scripts/web.sh install
infra/scripts/api-types.sh --check
npm --prefix web run test:unit --silent
infra/scripts/web.sh build

step "schemathesis against a local stack of its own: an owner's and an operator's session, then none"
infra/scripts/api-fuzz.sh

step "browser tests (headless Chromium) against a local stack of their own"
export GPET_PORT=${GPET_E2E_PORT:-3300} GPET_SANDBOX_PORT=${GPET_E2E_SANDBOX_PORT:-3910}
export GPET_SANDBOX_SMTP_PORT=${GPET_E2E_SANDBOX_SMTP_PORT:-3597} GPET_SANDBOX_SMTPS_PORT=${GPET_E2E_SANDBOX_SMTPS_PORT:-3475}
# Host, port and name only, as in AWS: the stack connects as the application role.
pg_address=${GPET_PG_ADMIN_URL#*@}
export GPET_DATABASE_URL="postgres://${pg_address%/*}/gpet_e2e" GPET_QUEUE_PREFIX=e2e- GPET_REDIS_PREFIX=e2e:
psql "$GPET_PG_ADMIN_URL" -qc "DROP DATABASE IF EXISTS gpet_e2e WITH (FORCE)"
# Redis caches what the database holds (short links by code): a fresh database, a fresh cache.
gpet_redis_unlink_matching "$GPET_REDIS_PREFIX*"
e2e_stack=1
infra/scripts/stack.sh start e2e
GPET_BASE_URL=http://127.0.0.1:$GPET_PORT GPET_SANDBOX_URL=http://127.0.0.1:$GPET_SANDBOX_PORT \
  npm --prefix web run test:e2e --silent

step "the arm64 artifact through the Runtime API under qemu-user, with the template's environment"
if ! wait "$arm64_build"; then
  tail -n 40 "$arm64_log" >&2
  echo "the arm64 build failed (the whole log: $arm64_log)" >&2
  exit 1
fi
tail -n 3 "$arm64_log"
cargo test -p gpet-local --test api --quiet the_arm64_artifact

step "all tests passed"

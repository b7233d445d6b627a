#!/usr/bin/env bash
# `make bench`: starts the services, builds the release binaries of lambda-hello (the anchor),
# the functions it measures and gpet-bench, and runs gpet-bench. It prints its figures (and writes them to
# target/bench/figures.json); it asserts nothing. A few minutes at most, mostly the build.
#
#   infra/scripts/bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

"$ROOT/infra/scripts/services.sh"
# shellcheck source=/dev/null
source "$ROOT/.local/env"

# The anchor, gpet-bench and the functions it starts (gpet-bench's FUNCTIONS), in the release
# profile the deploy builds with. GPET_BENCH_ALL=1 builds every function too, for the table of
# binary sizes (the others show as not built).
packages=(-p lambda-hello -p gpet-local -p h5-me -p job-outbox-relay -p consume-tracking-events)
if [[ "${GPET_BENCH_ALL:-}" == 1 ]]; then
  for dir in functions/*/; do
    [[ -f "$dir/src/main.rs" ]] || continue
    name="$(sed -n 's/^name = "\(.*\)"$/\1/p' "$dir/Cargo.toml" | head -n 1)"
    packages+=(-p "$name")
  done
fi

cargo build --release "${packages[@]}" --bins

target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
exec "$target_dir/release/gpet-bench"

#!/usr/bin/env bash
# `make bench`: starts the services, builds the release binaries of lambda-hello (the anchor),
# every function and gpet-bench, and runs gpet-bench. It prints its figures (and writes them to
# target/bench/foundation.json); it asserts nothing. A few minutes at most, mostly the build.
#
#   infra/scripts/bench.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

"$ROOT/infra/scripts/services.sh"
# shellcheck source=/dev/null
source "$ROOT/.local/env"

# Every function crate with a binary (functions/lambda is the shared library), by package name.
packages=(-p lambda-hello -p gpet-local)
for dir in functions/*/; do
  [[ -f "$dir/src/main.rs" ]] || continue
  name="$(sed -n 's/^name = "\(.*\)"$/\1/p' "$dir/Cargo.toml" | head -n 1)"
  packages+=(-p "$name")
done

cargo build --release "${packages[@]}" --bins

target_dir="${CARGO_TARGET_DIR:-$ROOT/target}"
exec "$target_dir/release/gpet-bench"

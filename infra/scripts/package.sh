#!/usr/bin/env bash
# `make package`: release binaries for Lambda (arm64, provided.al2023) of every function crate,
# in target/lambda/<crate>/bootstrap, where `sam build` (BuildMethod rust-cargolambda) also puts
# them. cargo-lambda cross-compiles with zig, both from PyPI, so no Docker and no other download.
#
#   infra/scripts/package.sh [crate ...]    default: every crate under functions/ with a binary
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

log() { printf 'package: %s\n' "$*"; }
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$ROOT/infra/scripts/lib.sh"

command -v cargo-lambda >/dev/null 2>&1 || pip_install cargo-lambda
python3 -c 'import ziglang' >/dev/null 2>&1 || pip_install ziglang

target=aarch64-unknown-linux-gnu
if ! rustup target list --installed | grep -qx "$target"; then
  log "rustup target add $target"
  rustup target add "$target"
fi

if (($# > 0)); then
  crates=("$@")
else
  # Every package under functions/ that has a binary; functions/lambda is the shared adapter
  # library and has none.
  mapfile -t crates < <(
    cargo metadata --no-deps --format-version 1 | python3 -c '
import json, os, sys
meta = json.load(sys.stdin)
functions = os.path.join(meta["workspace_root"], "functions") + os.sep
for pkg in meta["packages"]:
    path = pkg["manifest_path"]
    if not path.startswith(functions) or os.path.basename(os.path.dirname(path)) == "lambda":
        continue
    if any("bin" in t["kind"] for t in pkg["targets"]):
        print(pkg["name"])
' | sort
  )
fi
((${#crates[@]} > 0)) || { log "no function crates under functions/"; exit 1; }

package_args=()
for crate in "${crates[@]}"; do package_args+=(--package "$crate"); done

log "cargo lambda build --release --arm64 (${#crates[@]} crates)"
start=$SECONDS
cargo lambda build --release --arm64 "${package_args[@]}"
log "built in $((SECONDS - start)) s"

total=0
for crate in "${crates[@]}"; do
  bin="target/lambda/$crate/bootstrap"
  [[ -f "$bin" ]] || { log "missing $bin"; exit 1; }
  size=$(stat -c %s "$bin")
  total=$((total + size))
  printf '%10d  %s\n' "$size" "$bin"
done
printf '%10d  total (%d binaries)\n' "$total" "${#crates[@]}"

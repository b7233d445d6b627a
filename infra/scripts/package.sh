#!/usr/bin/env bash
# `make package`: the Lambda artifacts that `sam deploy` uploads, made by `sam build` and nothing
# else: every function of template.yaml (BuildMethod rust-cargolambda) becomes
# .aws-sam/build/<LogicalId>/bootstrap, an arm64 provided.al2023 executable, and
# .aws-sam/build/template.yaml points each function at its directory.
#
#   infra/scripts/package.sh [--build-dir DIR] [LogicalId ...]
#       LogicalId   default: every function in template.yaml
#       DIR         default .aws-sam/build, what `sam deploy` reads. sam build empties its build
#                   directory first: `make test` builds its one function into .aws-sam/test, so
#                   that it leaves a full build in .aws-sam/build alone.
#
# How `sam build` runs here (SAM CLI 1.170; rust-cargolambda needs no beta flag any more): in the
# source tree (the workflow supports nothing else; --build-in-source only says so, instead of a
# warning), one function after the other, each as `cargo lambda build --release --arm64 --bin
# <Binary>` from the workspace root with CARGO_TARGET_DIR set to the workspace's target/. So the
# dependencies are compiled once, into target/aarch64-unknown-linux-gnu/release, and each further
# function compiles its own crate and links (Cargo.toml's release profile, no LTO). cargo-lambda
# cross-compiles with zig (and adds -C target-cpu=neoverse-n1): no Docker. Not used: --cached (it
# would hash the whole repository, target/ included, since CodeUri is `.`: cargo is the cache)
# and --parallel (cargo's lock on the target directory runs the builds one at a time anyway).
#
# A build of some functions only leaves .aws-sam/build/template.yaml with the others still
# pointing at the repository: deploy.sh checks that every function has its bootstrap before it
# deploys, and builds them all itself.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

log() { printf 'package: %s\n' "$*" >&2; }
die() { printf 'package: error: %s\n' "$*" >&2; exit 1; }

export SAM_CLI_TELEMETRY=0
target=aarch64-unknown-linux-gnu

# SAM CLI, cargo-lambda, zig (PyPI), the AWS CLI and Rust's arm64 target: services.sh installs
# them (one list of deploy tools, kept there). It also starts the local services, harmless here.
have_build_tools() {
  command -v sam >/dev/null 2>&1 && command -v cargo-lambda >/dev/null 2>&1 &&
    python3 -c 'import ziglang' >/dev/null 2>&1 &&
    rustup target list --installed 2>/dev/null | grep -qx "$target"
}
if ! have_build_tools; then
  log "installing the deploy tools: infra/scripts/services.sh --with-deploy-tools"
  "$ROOT/infra/scripts/services.sh" --with-deploy-tools
  hash -r
  have_build_tools || die "sam, cargo-lambda, zig (python3 -m ziglang) or the Rust target $target is still missing"
fi

build_dir=.aws-sam/build
if [[ "${1:-}" == --build-dir ]]; then
  (($# >= 2)) || die "--build-dir needs a directory"
  build_dir=$2
  shift 2
fi
for id in "$@"; do
  [[ "$id" =~ ^[A-Za-z0-9]+$ ]] || die "not a logical id of template.yaml: $id"
done

what="every function"
(($# == 0)) || what="$*"
log "sam build --build-in-source --build-dir $build_dir ($what)"
start=$SECONDS
sam build --build-in-source --build-dir "$build_dir" "$@"
log "sam build took $((SECONDS - start)) s"

# The sizes, and a check that each function got its bootstrap.
python3 - "$build_dir" "$@" <<'PY'
import os, sys

built = sys.argv[1]
wanted = sys.argv[2:]
if not wanted:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    with open(os.path.join(built, "template.yaml"), encoding="utf-8") as f:
        template = yaml.load(f, Loader=Loader)
    wanted = sorted(
        name for name, resource in template["Resources"].items()
        if resource.get("Type") == "AWS::Serverless::Function"
    )
total, missing = 0, []
for name in wanted:
    path = os.path.join(built, name, "bootstrap")
    if not os.path.isfile(path):
        missing.append(name)
        continue
    size = os.path.getsize(path)
    total += size
    print(f"{size:>10}  {path}")
print(f"{total:>10}  total ({len(wanted) - len(missing)} functions)")
if missing:
    sys.exit(f"package: error: no bootstrap for {', '.join(missing)}")
PY

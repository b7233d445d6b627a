#!/usr/bin/env bash
# The web apps' API types, generated from the OpenAPI document (`gpet-local openapi`, no service
# needed) by openapi-typescript into web/common/src/openapi.d.ts (`@gpet/common/openapi`).
# Usage: infra/scripts/api-types.sh          regenerate it
#        infra/scripts/api-types.sh --check  fail when the committed file differs from what the
#                                            document generates (make test)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
target=web/common/src/openapi.d.ts
mkdir -p .local
[[ -x web/node_modules/.bin/openapi-typescript ]] || npm --prefix web install --silent
cargo build --quiet -p gpet-local --bin gpet-local
target/debug/gpet-local openapi > .local/openapi.json
generated=.local/openapi.d.ts
(cd web && node_modules/.bin/openapi-typescript ../.local/openapi.json --output "../$generated" >/dev/null)
if [[ ${1:-} == --check ]]; then
  if ! diff -u "$target" "$generated"; then
    echo "$target is not what the OpenAPI document generates: run infra/scripts/api-types.sh" >&2
    exit 1
  fi
  echo "$target matches the OpenAPI document"
else
  cp "$generated" "$target"
  echo "wrote $target"
fi

#!/usr/bin/env bash
# `make deploy`, `make secrets`: gpet into an AWS account, in AWS or AWS China.
#
#   infra/scripts/deploy.sh [deploy]    all of it, in this order:
#       1. the partner secrets: written from GPET_SECRETS_FILE when it is set (as `secrets`),
#          else the existing gpet/<stack>/<part> secrets are looked up (and must exist);
#       2. both web apps built (infra/scripts/web.sh build), so that npm fails before AWS changes;
#       3. `make package` (sam build of every function);
#       4. `sam deploy`: guided the first time (no samconfig.toml entry for the stack), then
#          non-interactive from samconfig.toml; always with a new DeployId (<UTC time>-<git sha>,
#          which makes the stack migrate the database) and the six secret ARNs;
#       5. `upload-web`.
#   infra/scripts/deploy.sh secrets     create or update the six partner secrets from
#                                       GPET_SECRETS_FILE (see infra/deploy/secrets.example.json)
#   infra/scripts/deploy.sh web         build both web apps, then `upload-web`
#   infra/scripts/deploy.sh upload-web  upload web/h5/dist to s3://<WebBucketName>/h5/ and
#                                       web/console/dist to .../console/ as they are, then
#                                       invalidate the HTML paths on the distribution
#
# Environment:
#   GPET_STACK         the stack's name (default gpet); also the samconfig.toml environment
#   AWS_REGION         (or AWS_DEFAULT_REGION, samconfig.toml's region for the stack, the profile's
#                      region) cn-north-1 and cn-northwest-1 are AWS China (partition aws-cn)
#   AWS_PROFILE, AWS_ACCESS_KEY_ID...   credentials, as for the AWS CLI
#   GPET_SECRETS_FILE  the partner secrets, a JSON file kept outside the repository
#   GPET_WEB_ROOT      where h5/dist and console/dist are (default web/)
#
# Uploads: hashed assets (assets/*) `public, max-age=31536000, immutable` and never deleted (a
# page loaded before the deploy still fetches its own); *.html `no-cache` (CloudFront and
# browsers revalidate); anything else (favicon...) `public, max-age=300`. Assets go first and
# HTML last, so no index.html is served before the files it names. Everything here can run
# again: secrets are rewritten only when they changed, uploads overwrite, invalidations add up.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

log() { printf 'deploy: %s\n' "$*" >&2; }
die() { printf 'deploy: error: %s\n' "$*" >&2; exit 1; }

export SAM_CLI_TELEMETRY=0
stack="${GPET_STACK:-gpet}"
web_root="$(realpath -m "${GPET_WEB_ROOT:-$ROOT/web}")"
region=""
partition=""

CACHE_ASSETS="public, max-age=31536000, immutable"
CACHE_HTML="no-cache"
CACHE_OTHER="public, max-age=300"

# samconfig_get KEY: the stack's value of KEY in samconfig.toml ([<stack>.deploy.parameters],
# then [<stack>.global.parameters]), empty when there is none. parameter_overrides comes out one
# element a line (a string is one element).
samconfig_get() {
  [[ -f samconfig.toml ]] || return 0
  python3 - "$stack" "$1" <<'PY'
import sys, tomllib
stack, key = sys.argv[1], sys.argv[2]
with open("samconfig.toml", "rb") as f:
    env = tomllib.load(f).get(stack, {})
for command in ("deploy", "global"):
    value = env.get(command, {}).get("parameters", {}).get(key)
    if value is not None:
        for item in value if isinstance(value, list) else [value]:
            print(item)
        break
PY
}

has_samconfig() {
  [[ -f samconfig.toml ]] || return 1
  python3 - "$stack" <<'PY'
import sys, tomllib
with open("samconfig.toml", "rb") as f:
    sys.exit(0 if "parameters" in tomllib.load(f).get(sys.argv[1], {}).get("deploy", {}) else 1)
PY
}

# --- preflight -----------------------------------------------------------------------------------

# ensure_tools COMMAND...: installs the deploy tools (services.sh keeps their one list) when one of
# the commands is missing.
ensure_tools() {
  local tool missing=()
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
  ((${#missing[@]} > 0)) || return 0
  log "no ${missing[*]}: installing the deploy tools (infra/scripts/services.sh --with-deploy-tools)"
  "$ROOT/infra/scripts/services.sh" --with-deploy-tools
  hash -r
  for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || die "still no $tool after installing the deploy tools"; done
}

preflight() {
  ensure_tools aws
  [[ "$stack" =~ ^[A-Za-z][A-Za-z0-9-]{0,63}$ ]] ||
    die "GPET_STACK=$stack is not a stack name (a letter, then letters, digits and -, 64 at most)"

  local saved_region
  saved_region="$(samconfig_get region)"
  region="${AWS_REGION:-${AWS_DEFAULT_REGION:-$saved_region}}"
  [[ -n "$region" ]] || region="$(aws configure get region 2>/dev/null || true)"
  [[ -n "$region" ]] || die "no AWS region: set AWS_REGION (cn-north-1 or cn-northwest-1 for AWS China)"
  [[ -z "$saved_region" || "$saved_region" == "$region" ]] ||
    die "samconfig.toml deploys $stack to $saved_region, but AWS_REGION or AWS_DEFAULT_REGION says $region"
  case "$region" in
    cn-*) partition=aws-cn ;;
    *) partition=aws ;;
  esac

  local caller
  if ! caller="$(aws sts get-caller-identity --region "$region" --query Arn --output text 2>&1)"; then
    die "no AWS credentials that work in $region: set AWS_PROFILE, or AWS_ACCESS_KEY_ID and" \
      "AWS_SECRET_ACCESS_KEY (aws sts get-caller-identity: $(tr '\n' ' ' <<<"$caller"))"
  fi
  local caller_partition
  caller_partition="$(cut -d: -f2 <<<"$caller")"
  [[ "$caller_partition" == "$partition" ]] ||
    die "the credentials are for partition $caller_partition ($caller), region $region is in $partition"
  log "stack $stack, region $region (partition $partition), as $caller"
}

# --- secrets -------------------------------------------------------------------------------------

# secret_parameters: fills `parameters` with the six <Parameter>=<ARN>, writing the secrets first
# when GPET_SECRETS_FILE is set.
parameters=()
secret_parameters() {
  local out
  if [[ -n "${GPET_SECRETS_FILE:-}" ]]; then
    out="$(python3 infra/deploy/partner_secrets.py apply --stack "$stack" --region "$region" \
      "$GPET_SECRETS_FILE")" ||
      die "the partner secrets were not written (the lines above say why)"
  else
    out="$(python3 infra/deploy/partner_secrets.py arns --stack "$stack" --region "$region")" ||
      die "the partner secrets are missing (the lines above say which)"
  fi
  mapfile -t parameters <<<"$out"
  ((${#parameters[@]} == 6)) || die "expected six secret ARNs, got ${#parameters[@]}"
}

cmd_secrets() {
  [[ -n "${GPET_SECRETS_FILE:-}" ]] ||
    die "set GPET_SECRETS_FILE to the JSON file with the partner secrets, kept outside the" \
      "repository (infra/deploy/secrets.example.json shows its fields)"
  preflight
  secret_parameters
  printf '%s\n' "${parameters[@]}"
}

# --- stack ---------------------------------------------------------------------------------------

# stack_outputs NAME...: the values of the stack's outputs NAME..., one a line, in that order.
stack_outputs() {
  local json
  json="$(aws cloudformation describe-stacks --stack-name "$stack" --region "$region" \
    --query 'Stacks[0].Outputs' --output json 2>&1)" ||
    die "no stack $stack in $region (aws cloudformation describe-stacks: ${json//$'\n'/ })"
  python3 -c '
import json, sys
outputs = {o["OutputKey"]: o["OutputValue"] for o in json.loads(sys.argv[1]) or []}
missing = [name for name in sys.argv[3:] if not outputs.get(name)]
if missing:
    sys.exit("deploy: error: stack %s has no output %s (is it deployed from this template?)"
             % (sys.argv[2], ", ".join(missing)))
for name in sys.argv[3:]:
    print(outputs[name])
' "$json" "$stack" "$@"
}

new_deploy_id() {
  local sha dirty=""
  if sha="$(git rev-parse --short HEAD 2>/dev/null)"; then
    [[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ]] || dirty=-dirty
  else
    sha=nogit
  fi
  printf '%s-%s%s\n' "$(date -u +%Y%m%dT%H%M%SZ)" "$sha" "$dirty"
}

sam_deploy() {
  local deploy_id
  deploy_id="$(new_deploy_id)"
  local overrides=("DeployId=$deploy_id" "${parameters[@]}")
  log "DeployId=$deploy_id"
  if has_samconfig; then
    # The saved overrides first, ours after them (the later value of a key wins): a parameter
    # edited in samconfig.toml takes effect, and the DeployId and secret ARNs are always ours.
    local saved=()
    mapfile -t saved < <(samconfig_get parameter_overrides)
    log "sam deploy (non-interactive, samconfig.toml environment $stack)"
    sam deploy --config-env "$stack" --stack-name "$stack" --region "$region" \
      --no-fail-on-empty-changeset --parameter-overrides "${saved[@]}" "${overrides[@]}"
  else
    log "sam deploy --guided: no samconfig.toml entry for $stack yet; the answers are saved there"
    sam deploy --guided --config-env "$stack" --stack-name "$stack" --region "$region" \
      --capabilities CAPABILITY_IAM --parameter-overrides "${overrides[@]}"
  fi
}

# Every function of the built template must point at a directory with its bootstrap: a partial
# `sam build` leaves the others at the repository (CodeUri ../..), which would deploy as the code.
check_built() {
  python3 - <<'PY' || die "the build is incomplete (run make package)"
import os, sys, yaml

class Loader(yaml.SafeLoader):
    pass

Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
path = ".aws-sam/build/template.yaml"
if not os.path.isfile(path):
    sys.exit(f"deploy: error: no {path}")
with open(path, encoding="utf-8") as f:
    resources = yaml.load(f, Loader=Loader)["Resources"]
bad = []
for name, resource in sorted(resources.items()):
    if resource.get("Type") != "AWS::Serverless::Function":
        continue
    # sam build writes the function's own folder (CodeUri: <LogicalId>); an unbuilt function
    # keeps the repository (CodeUri: ../..).
    code = (resource.get("Properties") or {}).get("CodeUri")
    if code != name or not os.path.isfile(os.path.join(".aws-sam/build", code, "bootstrap")):
        bad.append(name)
if bad:
    sys.exit(f"deploy: error: no built bootstrap for {len(bad)} function(s): {', '.join(bad[:10])}")
PY
}

# --- web -----------------------------------------------------------------------------------------

# upload CLASS: one class of files (assets, other, html) of both apps, in one `aws s3 cp` from
# $stage, where h5 and console link to the apps' dist folders (the bucket's prefixes).
upload() {
  local args=(--recursive --follow-symlinks --only-show-errors --region "$region")
  case "$1" in
    assets) args+=(--exclude '*' --include '*/assets/*' --cache-control "$CACHE_ASSETS") ;;
    other) args+=(--exclude '*/assets/*' --exclude '*.html' --cache-control "$CACHE_OTHER") ;;
    html) args+=(--exclude '*' --include '*.html' --exclude '*/assets/*' --cache-control "$CACHE_HTML"
      --content-type 'text/html; charset=utf-8') ;;
  esac
  aws s3 cp "$stage/" "s3://$bucket/" "${args[@]}" ||
    die "the upload of the $1 files to s3://$bucket/ failed"
}

# html_paths: the viewer paths of every HTML file of both apps (index.html also as its folder).
html_paths() {
  local app base file rel
  for app in h5 console; do
    base=""
    [[ $app == h5 ]] || base=/console
    while IFS= read -r -d '' file; do
      rel="${file#"$web_root/$app/dist/"}"
      printf '%s\n' "$base/$rel"
      if [[ "$(basename "$rel")" == index.html ]]; then
        rel="$(dirname "$rel")"
        [[ "$rel" == . ]] && rel="" || rel="$rel/"
        printf '%s\n' "$base/$rel"
      fi
    done < <(find "$web_root/$app/dist" -name '*.html' -not -path '*/assets/*' -print0 | sort -z)
  done
}

bucket=""
stage=""
cmd_upload_web() {
  local app
  for app in h5 console; do
    [[ -f "$web_root/$app/dist/index.html" ]] ||
      die "no $web_root/$app/dist/index.html: build the web apps first (infra/scripts/web.sh build)"
  done
  local outputs distribution
  outputs="$(stack_outputs WebBucketName DistributionId)"
  { read -r bucket; read -r distribution; } <<<"$outputs"
  stage="$(mktemp -d)"
  # shellcheck disable=SC2064 # the path is fixed now
  trap "rm -rf '$stage'" EXIT
  ln -s "$web_root/h5/dist" "$stage/h5"
  ln -s "$web_root/console/dist" "$stage/console"
  log "uploading web/h5/dist -> s3://$bucket/h5/, web/console/dist -> s3://$bucket/console/"
  upload assets
  upload other
  upload html
  local paths=()
  mapfile -t paths < <(html_paths)
  local id
  id="$(aws cloudfront create-invalidation --distribution-id "$distribution" --region "$region" \
    --paths "${paths[@]}" --query Invalidation.Id --output text)" ||
    die "the invalidation on distribution $distribution failed"
  log "invalidation $id on $distribution: ${paths[*]}"
}

build_web() {
  log "building the web apps (infra/scripts/web.sh build)"
  "$ROOT/infra/scripts/web.sh" build
}

# --- main ----------------------------------------------------------------------------------------

cmd_deploy() {
  ensure_tools sam
  preflight
  secret_parameters
  build_web
  "$ROOT/infra/scripts/package.sh"
  check_built
  sam_deploy
  cmd_upload_web
  local outputs site domain
  outputs="$(stack_outputs SiteUrl DistributionDomainName)"
  { read -r site; read -r domain; } <<<"$outputs"
  log "done: $site (its DNS name: a CNAME to $domain)"
}

case "${1:-deploy}" in
  deploy) cmd_deploy ;;
  secrets) cmd_secrets ;;
  web) preflight; build_web; cmd_upload_web ;;
  upload-web) preflight; cmd_upload_web ;;
  -h | --help) sed -n '2,32p' "$0" ;;
  *) die "unknown command ${1}: deploy, secrets, web or upload-web" ;;
esac

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

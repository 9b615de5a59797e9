#!/usr/bin/env bash
# Install the browser the real-browser tests drive: Debian's `chromium` plus fonts that cover
# Hebrew and Arabic (so right-to-left bubbles render real glyphs in screenshots).
#
# Playwright's own browser download is never used (`playwright install` is not needed): the
# tests launch /usr/bin/chromium through `executable_path`. Idempotent and non-interactive;
# a quick no-op when everything is already installed.
#   sudo scripts/install_browser.sh
set -euo pipefail

packages=(chromium fonts-noto-core fonts-dejavu-core)

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ -x /usr/bin/chromium ] && [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

command -v apt-get >/dev/null 2>&1 \
  || { echo "effortless: apt-get not found; install Chromium and Noto fonts with your system's package manager" >&2; exit 1; }
if [ "$(id -u)" -ne 0 ]; then
  echo "effortless: installing ${missing[*]} needs root: run 'sudo $0'" >&2
  exit 1
fi

echo "effortless: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
/usr/bin/chromium --version 2>/dev/null

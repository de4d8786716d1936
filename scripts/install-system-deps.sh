#!/usr/bin/env bash
# Debian packages the project needs: Chromium for the browser tests; espeak-ng (Danish speech)
# and opus-tools (opusenc, OGG/Opus voice messages for Telegram) for read-aloud.
# hunspell and hunspell-da (the Danish dictionary) for the spell check in tests/literacy.
# Installed only when missing.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v espeak-ng >/dev/null 2>&1 || missing+=(espeak-ng)
command -v opusenc >/dev/null 2>&1 || missing+=(opus-tools)
command -v hunspell >/dev/null 2>&1 || missing+=(hunspell)
[ -f /usr/share/hunspell/da_DK.dic ] || missing+=(hunspell-da)
if [ ${#missing[@]} -eq 0 ]; then
  echo "System packages are present."
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "error: missing Debian packages: ${missing[*]}. Install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]} ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

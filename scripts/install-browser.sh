#!/usr/bin/env bash
# Install Debian's Chromium for the console's browser tests (tests/e2e/console) when it is missing.
# Idempotent and quiet: does nothing when /usr/bin/chromium (or $CHROMIUM) is there. Needs root or sudo.
set -euo pipefail
CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq chromium >/dev/null
if [ ! -x /usr/bin/chromium ]; then
  echo "install-browser: apt-get installed no /usr/bin/chromium" >&2
  exit 1
fi
echo "install-browser: $(/usr/bin/chromium --version 2>/dev/null)"

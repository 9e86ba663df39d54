#!/usr/bin/env bash
# Installs Chromium from Debian's packages for the HTML report tests (test/report/), once:
# nothing is done when /usr/bin/chromium is already there. Playwright drives it through
# playwright-core (no browser download of its own). Needs root (or sudo) and apt.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo present)"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium
echo "chromium: $(/usr/bin/chromium --version)"

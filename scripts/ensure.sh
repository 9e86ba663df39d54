#!/usr/bin/env bash
# Installs what the two commands need, idempotently, saying what it does:
#   bash scripts/ensure.sh deps        node_modules exactly as package-lock.json says (npm ci)
#   bash scripts/ensure.sh emulator    the local AWS emulator (moto) and cfn-lint in .venv/
#   bash scripts/ensure.sh browser     Debian's chromium for the report's browser test
# Each step is skipped when what it installs is already there at the right version.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '== %s\n' "$*"; }

deps() {
  local want have=""
  want="$(node -e 'const c=require("node:crypto"),f=require("node:fs");process.stdout.write(c.createHash("sha256").update(f.readFileSync("package-lock.json")).digest("hex"))')"
  [ -f node_modules/.evidence-lock-sha256 ] && have="$(cat node_modules/.evidence-lock-sha256)"
  if [ "$want" = "$have" ]; then
    say "dependencies: node_modules matches package-lock.json"
    return
  fi
  say "dependencies: npm ci (exactly the versions of package-lock.json; about 15 s)"
  npm ci --no-audit --no-fund
  printf '%s' "$want" > node_modules/.evidence-lock-sha256
}

emulator() {
  bash scripts/setup-emulator.sh
}

browser() {
  if [ -x "${EVIDENCE_CHROMIUM:-/usr/bin/chromium}" ]; then
    say "browser: $("${EVIDENCE_CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null || echo chromium) present"
    return
  fi
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "browser: installing Debian's chromium with apt-get (once; about a minute)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null \
      || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >/dev/null; }
    say "browser: $(/usr/bin/chromium --version 2>/dev/null) installed"
  else
    echo "browser: chromium is missing and cannot be installed here (needs root and apt-get)." >&2
    echo "  Install it (Debian/Ubuntu: sudo apt-get install chromium) or set EVIDENCE_CHROMIUM to a Chromium binary." >&2
    exit 2
  fi
}

[ $# -gt 0 ] || set -- deps emulator
for step in "$@"; do
  case "$step" in
    deps | emulator | browser) "$step" ;;
    *) echo "ensure.sh: unknown step '$step' (deps, emulator, browser)" >&2; exit 2 ;;
  esac
done

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
  say "browser: Debian's chromium for the report's browser test"
  bash scripts/setup-browser.sh
}

[ $# -gt 0 ] || set -- deps emulator
for step in "$@"; do
  case "$step" in
    deps | emulator | browser) "$step" ;;
    *) echo "ensure.sh: unknown step '$step' (deps, emulator, browser)" >&2; exit 2 ;;
  esac
done

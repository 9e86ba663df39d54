#!/usr/bin/env bash
# npm run mutation [-- --mutate <file>[,<file>...]]: StrykerJS (vitest runner) over shared/verify/,
# shared/evidence/ and the checks (stryker.config.json). Slow: not part of npm test or CI.
# Reports: reports/mutation/index.html and mutation.json.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node.sh
bash scripts/ensure.sh deps emulator
# Stryker runs the tests in sandbox copies without .venv: they start the repository's moto.
export EVIDENCE_MOTO_SERVER="$PWD/.venv/bin/moto_server"
exec npx stryker run "$@"

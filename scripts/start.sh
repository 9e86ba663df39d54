#!/usr/bin/env bash
# `npm start`: the main job on the embedded defaults. Installs what it needs (once), then runs
# the whole pipeline against local emulators of AWS, Okta and GitHub into a directory locker:
# collect over several days, seal, verify, sample, report. Prints where the results are.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node.sh
bash scripts/ensure.sh deps emulator
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec node_modules/.bin/tsx scripts/demo.ts "$@"

#!/usr/bin/env bash
# `npm test`: every test. Installs what the tests need (once): dependencies, the AWS emulator,
# a browser. Arguments go to vitest (`npm test -- test/verify` runs one folder).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node.sh
bash scripts/ensure.sh deps emulator browser
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
exec node_modules/.bin/vitest run "$@"

#!/usr/bin/env bash
# Installs the AWS emulator (moto server) and cfn-lint into .venv/, pinned. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION="5.2.5"
CFN_LINT_VERSION="1.58.0"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
want="moto==${MOTO_VERSION} cfn-lint==${CFN_LINT_VERSION}"
if .venv/bin/python -c "import importlib.metadata as m,sys; sys.exit(0 if m.version('moto')=='${MOTO_VERSION}' and m.version('cfn-lint')=='${CFN_LINT_VERSION}' else 1)" 2>/dev/null; then
  echo "emulator: moto ${MOTO_VERSION} and cfn-lint ${CFN_LINT_VERSION} already in .venv"
  exit 0
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check "moto[server]==${MOTO_VERSION}" "cfn-lint==${CFN_LINT_VERSION}"
echo "emulator: installed moto ${MOTO_VERSION} and cfn-lint ${CFN_LINT_VERSION} into .venv"

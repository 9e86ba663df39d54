#!/usr/bin/env bash
# Installs the AWS emulator (moto server) and cfn-lint into .venv/, pinned. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
MOTO_VERSION="5.2.5"
CFN_LINT_VERSION="1.58.0"
PY="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "== emulator: creating the Python virtualenv .venv/ (with $("$PY" --version 2>&1))"
  "$PY" -m venv .venv
fi
want="moto==${MOTO_VERSION} cfn-lint==${CFN_LINT_VERSION}"
if .venv/bin/python -c "import importlib.metadata as m,sys; sys.exit(0 if m.version('moto')=='${MOTO_VERSION}' and m.version('cfn-lint')=='${CFN_LINT_VERSION}' else 1)" 2>/dev/null; then
  echo "== emulator: moto ${MOTO_VERSION} and cfn-lint ${CFN_LINT_VERSION} already in .venv"
  exit 0
fi
echo "== emulator: installing moto ${MOTO_VERSION} and cfn-lint ${CFN_LINT_VERSION} from PyPI into .venv/ (once; about a minute)"
# One line per package, so a slow download shows progress instead of a silent minute.
PYTHONUNBUFFERED=1 .venv/bin/python -m pip install --disable-pip-version-check --progress-bar off "moto[server]==${MOTO_VERSION}" "cfn-lint==${CFN_LINT_VERSION}" \
  | grep --line-buffered -E '^(Collecting|Successfully installed)' || true
.venv/bin/python -c "import importlib.metadata as m; m.version('moto'); m.version('cfn-lint')" \
  || { echo "emulator: the install failed; run: .venv/bin/python -m pip install 'moto[server]==${MOTO_VERSION}' 'cfn-lint==${CFN_LINT_VERSION}'" >&2; exit 1; }
echo "== emulator: installed moto ${MOTO_VERSION} and cfn-lint ${CFN_LINT_VERSION} into .venv"

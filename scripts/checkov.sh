#!/usr/bin/env bash
# Checkov (PyPI, pinned) over both synthesized CloudFormation templates: the evidence stack and
# the member-account stack. There is no global skip list: every suppression is on the resource it
# excuses, with its reason, in the template's metadata (`Metadata.checkov.skip`, written by
# skipCheckov in infra/checkov.ts). Then scripts/checkov-audit.ts runs Checkov again on the
# templates without their skips and fails when a skip excuses nothing (or a finding has none).
#   bash scripts/checkov.sh                          # uses ./evidence.config.json
#   CONFIG=path/to/config.json bash scripts/checkov.sh
#   CDK_OUT=cdk.out SKIP_SYNTH=1 bash scripts/checkov.sh   # templates already synthesized
#
# Checkov is installed once into its own virtualenv (.venv-checkov, or $CHECKOV_VENV), not into
# .venv: it pins older boto3/botocore than the moto emulator in .venv needs.
set -euo pipefail
cd "$(dirname "$0")/.."
CHECKOV_VERSION="3.3.30"
venv="${CHECKOV_VENV:-.venv-checkov}"
out="${CDK_OUT:-cdk.out}"

if ! "$venv/bin/python" -c "import importlib.metadata as m,sys; sys.exit(0 if m.version('checkov')=='${CHECKOV_VERSION}' else 1)" 2>/dev/null; then
  echo "== checkov: installing checkov ${CHECKOV_VERSION} from PyPI into ${venv}/ (once; a few minutes)"
  python3 -m venv "$venv"
  PYTHONUNBUFFERED=1 "$venv/bin/python" -m pip install --disable-pip-version-check --progress-bar off "checkov==${CHECKOV_VERSION}" \
    | grep --line-buffered -E '^(Collecting checkov|Successfully installed)' || true
  "$venv/bin/python" -c "import importlib.metadata as m; m.version('checkov')" \
    || { echo "checkov: the install failed; run: $venv/bin/python -m pip install 'checkov==${CHECKOV_VERSION}'" >&2; exit 1; }
fi

if [ -z "${SKIP_SYNTH:-}" ]; then
  context=()
  if [ -n "${CONFIG:-}" ]; then context=(-c "config=$CONFIG"); fi
  npx cdk synth --quiet --output "$out" "${context[@]}" >/dev/null
fi


templates=("$out"/*.template.json)
# Clean as synthesized: every finding is excused on its resource (Metadata.checkov.skip).
"$venv/bin/checkov" --quiet --compact --skip-download --framework cloudformation \
  $(printf -- '--file %s ' "${templates[@]}")
# And no excuse outlives its finding.
node_modules/.bin/tsx scripts/checkov-audit.ts "$venv/bin/checkov" "${templates[@]}"
echo "checkov: ${#templates[@]} template(s) clean (skips on their resources, with reasons: infra/checkov.ts)"

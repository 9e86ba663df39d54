#!/usr/bin/env bash
# npm run mutation [-- --mutate <file>[,<file>...]]: StrykerJS (vitest runner) over shared/verify/,
# shared/evidence/ and the checks (stryker.config.json). Slow: not part of npm test or CI.
# Reports: reports/mutation/index.html and mutation.json.
#
# With --mutate naming one file below, only the tests that kill its mutants run (minutes, not
# hours, on two cores); EVIDENCE_MUTATION_TESTS (comma-separated globs) overrides the choice.
# EVIDENCE_MUTATION_STATIC=1 runs static mutants too (below).
# Any other file runs the whole selection of vitest.mutation.config.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/node.sh
bash scripts/ensure.sh deps emulator
# Stryker runs the tests in sandbox copies without .venv: they start the repository's moto.
export EVIDENCE_MOTO_SERVER="$PWD/.venv/bin/moto_server"

mutate=''
previous=''
for arg in "$@"; do
  if [ "$previous" = '--mutate' ]; then mutate="$arg"; fi
  case "$arg" in --mutate=*) mutate="${arg#--mutate=}" ;; esac
  previous="$arg"
done
# The file, without a line range (file:10-200).
case "${mutate%%:*}" in
  shared/verify/problems.ts)
    tests='test/verify/problems.test.ts,test/verify/claims.test.ts,test/verify/verify-s3.test.ts,test/verify/soundness.test.ts,test/verify/verify.test.ts' ;;
  shared/verify/records.ts)
    tests='test/verify/records.test.ts,test/verify/acknowledgements.test.ts' ;;
  shared/evidence/signing.ts)
    tests='test/evidence/signing.test.ts,test/evidence/leaves.test.ts,test/evidence/seal.test.ts,test/verify/claims.test.ts,test/verify/records.test.ts,test/evidence/digest.test.ts' ;;
  shared/evidence/digest/compare.ts)
    tests='test/evidence/compare.test.ts,test/evidence/digest.test.ts,test/verify/soundness.test.ts' ;;
  shared/evidence/digest/leaves.ts)
    tests='test/evidence/leaves.test.ts,test/verify/soundness-leaves.test.ts,test/evidence/digest.test.ts,test/evidence/chain-walk.test.ts' ;;
  shared/locker/types.ts | shared/locker/directory.ts | shared/locker/s3.ts)
    tests='test/locker/directory.test.ts,test/locker/s3.test.ts,test/evidence/leaves.test.ts,test/evidence/chain-walk.test.ts' ;;
  shared/report/verify-output.ts)
    tests='test/report/verify-output.test.ts,test/cli/verify-report.test.ts' ;;
  shared/evidence/digest/seal.ts)
    tests='test/evidence/seal.test.ts,test/evidence/digest.test.ts' ;;
  shared/evidence/digest/format.ts)
    tests='test/evidence/format.test.ts,test/evidence/seal.test.ts' ;;
  shared/evidence/digest/chain.ts)
    tests='test/evidence/chain-walk.test.ts,test/evidence/chain.test.ts,test/evidence/digest.test.ts,test/verify/claims.test.ts,test/verify/soundness-leaves.test.ts' ;;
  shared/evidence/digest/*.ts)
    tests='test/evidence/digest.test.ts,test/evidence/chain.test.ts,test/verify/claims.test.ts,test/verify/soundness.test.ts,test/verify/soundness-leaves.test.ts' ;;
  shared/verify/expected.ts)
    tests='test/verify/expected.test.ts' ;;
  shared/verify/windows.ts)
    tests='test/verify/windows-judge.test.ts,test/verify/windows.test.ts' ;;
  shared/verify/series.ts)
    tests='test/verify/series.test.ts' ;;
  shared/verify/organization.ts)
    tests='test/verify/organization-derive.test.ts,test/verify/organization.test.ts' ;;
  shared/verify/verify.ts)
    tests='test/verify/verify-bounds.test.ts,test/verify/verify.test.ts,test/verify/exceptions.test.ts,test/verify/parts.test.ts,test/verify/windows.test.ts,test/verify/organization.test.ts,test/review/review.test.ts' ;;
  shared/evidence/listing-spill.ts | shared/verify/parts.ts)
    tests='test/verify/parts.test.ts,test/export/parts.test.ts,test/sample/parts.test.ts' ;;
  shared/evidence/records.ts)
    tests='test/evidence/signed-records.test.ts,test/verify/records.test.ts,test/verify/acknowledgements.test.ts' ;;
  shared/collectors/iam/iam-console-mfa.ts | shared/collectors/iam/iam-key-rotation.ts | \
    shared/collectors/okta/okta-privileged-groups.ts | shared/collectors/cloudtrail/cloudtrail-logging.ts | \
    shared/collectors/guardduty/guardduty-enabled.ts | shared/collectors/aws-config/config-recording.ts | \
    shared/collectors/backup/backups-recent.ts | shared/collectors/github/github-branch-protection.ts | \
    shared/collectors/aws-regions/regions-covered.ts | shared/collectors/inspector/inspector-enabled.ts)
    base="${mutate%%:*}"; base="${base##*/}"
    tests="test/checks/${base%.ts}.test.ts" ;;
  shared/collectors/github-members/github-members-2fa.ts)
    tests='test/collectors/github-members.test.ts' ;;
  shared/collectors/github-vulnerabilities/vulnerabilities-within-sla.ts)
    tests='test/collectors/github-vulnerabilities.test.ts,test/checks/freshness-sla.test.ts' ;;
  shared/checks/vulnerability-sla.ts | shared/collectors/freshness.ts)
    tests='test/checks/freshness-sla.test.ts,test/checks/iam-console-mfa.test.ts,test/checks/iam-key-rotation.test.ts,test/checks/cloudtrail-logging.test.ts' ;;
  shared/collectors/okta-users/okta-mfa-enrolled.ts | shared/collectors/okta-users/okta-dormant-users.ts | \
    shared/collectors/okta-users/okta-mfa-required.ts)
    tests='test/checks/okta-users-checks.test.ts' ;;
  shared/collectors/okta-users/judge.ts)
    tests='test/checks/okta-users-judge.test.ts,test/checks/okta-users-checks.test.ts,test/collectors/okta-users-runs.test.ts' ;;
  shared/collectors/okta-users/access-revoked-on-termination.ts)
    tests='test/checks/access-revoked-on-termination.test.ts' ;;
  shared/collectors/github-changes/change-peer-reviewed.ts | shared/collectors/github-changes/no-direct-push.ts)
    tests='test/checks/change-peer-reviewed.test.ts,test/collectors/github-changes.test.ts' ;;
  shared/collectors/change-records/emergency-change-gate.ts)
    tests='test/checks/emergency-change-gate.test.ts,test/collectors/change-records.test.ts' ;;
  shared/collectors/encryption/encryption-at-rest.ts | shared/collectors/encryption/s3-public-access-blocked.ts)
    tests='test/checks/encryption-checks.test.ts' ;;
  shared/collectors/inspector/vulnerabilities-within-sla.ts)
    tests='test/checks/inspector-vulnerabilities.test.ts,test/collectors/inspector.test.ts' ;;
  shared/verify/acknowledgements.ts)
    tests='test/verify/acknowledgements.test.ts,test/verify/exceptions.test.ts' ;;
  shared/verify/retirements.ts)
    tests='test/verify/retirements.test.ts,test/verify/exceptions.test.ts,test/verify/verify-bounds.test.ts' ;;
  shared/verify/trail.ts)
    tests='test/verify/trail.test.ts' ;;
  shared/verify/known.ts)
    tests='test/verify/known.test.ts' ;;
  shared/verify/findings.ts)
    tests='test/verify/findings-alerts.test.ts,test/verify/remediation.test.ts' ;;
  shared/verify/remediation.ts)
    tests='test/verify/remediation.test.ts' ;;
  shared/verify/alerts.ts)
    tests='test/verify/findings-alerts.test.ts' ;;
  shared/evidence/ids.ts)
    tests='test/evidence/ids.test.ts' ;;
  shared/evidence/days.ts)
    tests='test/evidence/days.test.ts' ;;
  shared/evidence/canonical.ts)
    tests='test/evidence/canonical.test.ts' ;;
  shared/evidence/listing.ts)
    tests='test/evidence/listing.test.ts' ;;
  shared/evidence/snapshot.ts | shared/evidence/read.ts | shared/evidence/write.ts)
    tests='test/evidence/snapshot.test.ts' ;;
  shared/verify/facts.ts)
    tests='test/verify/facts.test.ts,test/verify/problems.test.ts' ;;
  shared/verify/inputs.ts)
    tests='test/verify/inputs.test.ts,test/verify/verify-bounds.test.ts' ;;
  *) tests='' ;;
esac
if [ -n "$tests" ] && [ -z "${EVIDENCE_MUTATION_TESTS:-}" ]; then
  export EVIDENCE_MUTATION_TESTS="$tests"
  echo "== mutation: tests for ${mutate}: ${tests}"
fi
# EVIDENCE_MUTATION_STATIC=1: static mutants too (code run only when a module loads: the
# identifier grammar's patterns, the zod schemas of envelopes and digests), which
# stryker.config.json's ignoreStatic leaves out (the CLI can set it, not clear it).
config=()
if [ "${EVIDENCE_MUTATION_STATIC:-}" = 1 ]; then
  mkdir -p reports/mutation
  node -e 'const c = JSON.parse(require("fs").readFileSync("stryker.config.json", "utf8")); delete c.$schema; c.ignoreStatic = false; process.stdout.write(JSON.stringify(c, null, 2))' \
    > reports/mutation/stryker.static.json
  config=(reports/mutation/stryker.static.json)
  echo "== mutation: static mutants included"
fi
exec npx stryker run "${config[@]}" "$@"

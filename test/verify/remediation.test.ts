/**
 * The remediation report: from the source document's own compliance.json example, and from
 * what `verify --findings` writes for a locker with a gap and a tampered snapshot.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../shared/errors.js';
import { parseFindings, remediationMarkdown } from '../../shared/verify/remediation.js';
import { TOOL } from '../../shared/version.js';
import { runCli } from '../helpers/cli.js';

const FIXTURE = path.join(import.meta.dirname, '..', 'fixtures', 'seeds', 'compliance-findings.json');

function render(md: string): string {
  return marked.parse(md, { async: false, gfm: true });
}

describe('remediation report', () => {
  it("turns the source document's findings into the summary table, the gaps, the risk register and the schedule", async () => {
    const findings = parseFindings(await readFile(FIXTURE, 'utf8'), 'compliance.json');
    const md = remediationMarkdown({
      findings,
      date: '2026-04-20',
      source: 'compliance.json',
      schedule: {
        collect: 'cron(5 0 * * ? *)',
        seal: 'cron(0 3 * * ? *)',
        verify: 'cron(0 6 * * ? *)',
        collectAgain: 'cron(35 0-6 * * ? *)',
      },
      collectors: [{ id: 'guardduty', controls: ['CC7.2'] }],
    });
    expect(md).toContain('# Compliance remediation — SOC 2 — 2026-04-20');
    const summary = md.split('## Summary')[1]!.split('## Gaps')[0]!;
    expect(summary).toContain('| [G01](#g01) | SOC2\\:CC6\\.1 | design | HIGH | in-progress | — |');
    expect(summary).toContain('| [G02](#g02) | SOC2\\:CC7\\.2 | evidence | MEDIUM | in-progress | — |');
    expect(md).toContain('- Remediation action: Draft the policy');
    const register = md.split('## Residual risk register')[1]!.split('## Next')[0]!;
    expect(register).toContain('| G01 | SOC2\\:CC6\\.1 | HIGH | in-progress |');
    expect(register).toContain('| 2026-04-27 |');
    expect(register).toContain('| 2026-05-20 |');
    expect(md).toContain('| collect | `cron(5 0 * * ? *)` |');
    expect(md).toContain('| collect again | `cron(35 0-6 * * ? *)` |');
    // Renders as tables and headings in a common renderer (marked, GFM).
    const html = render(md);
    expect(html.match(/<table>/g)).toHaveLength(3);
    expect(html).toMatch(/<h3[^>]*>G01<\/h3>/);
    expect(html).toContain('<td>SOC2:CC6.1</td>');
  });

  it('from verify --findings: evidence links relative to the locker, acknowledged days as exceptions', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'remediation-'));
    const findings = path.join(dir, 'compliance.json');
    await writeFile(
      findings,
      JSON.stringify({
        findings: [
          {
            control: 'SOC2:CC7.2',
            gap_type: 'evidence',
            description: 'guardduty/aws-1-us-east-1: no evidence on 2 day(s)',
            severity: 'MEDIUM',
            series: 'guardduty/aws-1-us-east-1',
            days: ['2026-04-02', '2026-04-03'],
            problem: 'missing',
          },
          {
            control: 'SOC2:CC7.2',
            gap_type: 'evidence',
            description: 'acknowledged <b>outage</b>',
            severity: 'LOW',
            series: 'guardduty/aws-1-us-east-1',
            days: ['2026-04-05'],
            problem: 'acknowledged',
          },
          {
            control: 'SOC2:CC7.2',
            gap_type: 'evidence',
            description: 'hash mismatch',
            severity: 'HIGH',
            key: 'snapshots/2026-04-07/guardduty/aws-1-us-east-1/x.json',
            problem: 'hash-mismatch',
          },
        ],
      }),
    );
    const config = path.join(dir, 'evidence.config.json');
    await writeFile(
      config,
      JSON.stringify({
        locker: { retentionDays: 730 },
        github: { org: 'acme' },
        auditPeriod: { start: '2026-04-01' },
      }),
    );
    const run = await runCli(['remediation', '--findings', findings, '--out', dir, '--config', config], {
      clock: '2026-04-20T10:00:00.000Z',
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const md = await readFile(path.join(dir, 'compliance-soc2-2026-04-20.md'), 'utf8');
    expect(md).toContain(
      '`snapshots/2026-04-02/guardduty/aws-1-us-east-1/`<br>`snapshots/2026-04-03/guardduty/aws-1-us-east-1/`',
    );
    expect(md).toContain('| LOW | exception | `acknowledgements/2026-04-05/guardduty/aws-1-us-east-1/` |');
    expect(md).toContain('`snapshots/2026-04-07/guardduty/aws-1-us-east-1/x.json`');
    expect(md).toContain('Integrity: the bytes in the locker are not the bytes the digest sealed');
    expect(render(md)).not.toContain('<b>');
    expect(md).toContain('- `github` (CC8.1)');
    const again = await runCli(['remediation', '--findings', findings, '--out', dir, '--config', config], {
      clock: '2026-04-20T11:00:00.000Z',
    });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('is never overwritten');
    // What verify --findings itself writes: an empty locker, every expected day missing.
    // (verify reads a locker; it never creates one: the empty locker is made here.)
    await mkdir(path.join(dir, 'locker'));
    const real = path.join(dir, 'verify-findings.json');
    const verified = await runCli(
      [
        'verify',
        '--from',
        '2026-04-01',
        '--to',
        '2026-04-03',
        '--findings',
        real,
        '--store',
        path.join(dir, 'locker'),
        '--config',
        config,
      ],
      { clock: '2026-04-20T10:00:00.000Z' },
    );
    expect(verified.code).toBe(1);
    const fromVerify = await runCli(
      [
        'remediation',
        '--findings',
        real,
        '--out',
        path.join(dir, 'from-verify'),
        '--date',
        '2026-04-21',
        '--config',
        config,
      ],
      { clock: '2026-04-21T10:00:00.000Z' },
    );
    expect(fromVerify.stderr).toBe('');
    const mdVerify = await readFile(path.join(dir, 'from-verify', 'compliance-soc2-2026-04-21.md'), 'utf8');
    expect(mdVerify).toMatch(
      /\| \[G01\]\(#g01\) \| SOC2\\:CC8\\\.1 \| evidence \| MEDIUM \| in-progress \| `snapshots\/2026-04-01\/github\/github-acme\/`<br>`snapshots\/2026-04-03\/github\/github-acme\/` \|/,
    );
    const bad = await runCli(['remediation', '--findings', config, '--out', dir, '--config', config]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/findings: .*expected \{ "findings"/);
  });

  it('word for word: links (sorted days, first and last; two acknowledgement days), actions, dashes, the register and the schedule', () => {
    const md = remediationMarkdown({
      date: '2026-04-20',
      source: 'compliance.json',
      store: 's3://locker',
      // A "|" in any text that lands in a table cell is escaped, even inside a code span.
      schedule: {
        collect: 'cron(5 0 * * ? *)|d',
        seal: 'cron(0 3 * * ? *)|a',
        verify: 'cron(0 6 * * ? *)|b',
        collectAgain: 'cron(35 0-6 * * ? *)|c',
      },
      collectors: [
        { id: 'guardduty', controls: ['CC7.2'] },
        { id: 'okta', controls: ['CC6.1', 'CC6.2'] },
      ],
      findings: {
        findings: [
          {
            control: 'SOC2:CC7.2',
            gap_type: 'evidence',
            description: 'missing days',
            severity: 'MEDIUM',
            series: 'guardduty/aws-1-us-east-1',
            days: ['2026-04-05', '2026-04-02', '2026-04-03'],
            problem: 'missing',
          },
          {
            control: 'SOC2:CC6.1',
            gap_type: 'evidence',
            description: 'acknowledged',
            severity: 'LOW',
            series: 'okta/okta-x',
            days: ['2026-04-09', '2026-04-07', '2026-04-08'],
            problem: 'acknowledged',
          },
          {
            control: 'SOC2:CC6.1',
            gap_type: 'evidence',
            description: 'failed once',
            severity: 'MEDIUM',
            series: 'okta/okta-x',
            days: ['2026-04-11'],
            problem: 'failed',
          },
          {
            control: 'SOC2:CC7.2',
            gap_type: 'evidence',
            description: 'tampered',
            severity: 'HIGH',
            key: 'snapshots/2026-04-07/guardduty/aws-1-us-east-1/a|b.json',
            problem: 'hash-mismatch',
          },
          // A problem no list knows: the action of its gap type.
          {
            control: 'SOC2:CC7.2',
            gap_type: 'operating',
            description: 'a series without days',
            severity: 'HIGH',
            series: 'guardduty/aws-1-us-east-1',
            problem: 'something-else',
          },
          {
            control: 'SOC2:A1.2',
            gap_type: 'design',
            description: 'days without a series',
            severity: 'LOW',
            days: ['2026-04-01'],
          },
        ],
      },
    });
    expect(md.split('\n')).toEqual([
      '# Compliance remediation — SOC 2 — 2026-04-20',
      '',
      `From \`compliance.json\` (locker \`s3://locker\`), written by ${TOOL.name} ${TOOL.version}. 6 gap(s) over 3 control(s); 6 not closed. Evidence links are locker keys, relative to the locker.`,
      '',
      '## Summary',
      '',
      '| # | control | gap type | severity | status | evidence |',
      '|---|---|---|---|---|---|',
      '| [G01](#g01) | SOC2\\:CC7\\.2 | evidence | MEDIUM | in-progress | `snapshots/2026-04-02/guardduty/aws-1-us-east-1/`<br>`snapshots/2026-04-05/guardduty/aws-1-us-east-1/` |',
      '| [G02](#g02) | SOC2\\:CC6\\.1 | evidence | LOW | exception | `acknowledgements/2026-04-07/okta/okta-x/`<br>`acknowledgements/2026-04-08/okta/okta-x/` |',
      '| [G03](#g03) | SOC2\\:CC6\\.1 | evidence | MEDIUM | in-progress | `snapshots/2026-04-11/okta/okta-x/` |',
      '| [G04](#g04) | SOC2\\:CC7\\.2 | evidence | HIGH | in-progress | `snapshots/2026-04-07/guardduty/aws-1-us-east-1/a\\|b.json` |',
      '| [G05](#g05) | SOC2\\:CC7\\.2 | operating | HIGH | in-progress | — |',
      '| [G06](#g06) | SOC2\\:A1\\.2 | design | LOW | in-progress | — |',
      '',
      '## Gaps',
      '',
      '### G01',
      '',
      '- Control: SOC2\\:CC7\\.2 (evidence gap, severity MEDIUM)',
      '- Status: in-progress',
      '- Description: missing days',
      '- Series: `guardduty/aws-1-us-east-1`',
      '- Days: 2026-04-02\\.\\.2026-04-03, 2026-04-05',
      '- Remediation action: Find why the collector did not run (alarm Collect<Id>ErrorsAlarm, the function log), fix it, and record each day that cannot be recovered with `evidence acknowledge` naming the cause.',
      '- Evidence: `snapshots/2026-04-02/guardduty/aws-1-us-east-1/`, `snapshots/2026-04-05/guardduty/aws-1-us-east-1/`',
      '- Policy: —',
      '- Procedure: docs/verify.md (what each problem means and what to do)',
      '- Owner: ____________________',
      '',
      '### G02',
      '',
      '- Control: SOC2\\:CC6\\.1 (evidence gap, severity LOW)',
      '- Status: exception',
      '- Description: acknowledged',
      '- Series: `okta/okta-x`',
      '- Days: 2026-04-07\\.\\.2026-04-09',
      '- Remediation action: Documented exception: keep the acknowledgement with the audit file; no further action unless the auditor asks.',
      '- Evidence: `acknowledgements/2026-04-07/okta/okta-x/`, `acknowledgements/2026-04-08/okta/okta-x/`',
      '- Policy: —',
      '- Procedure: docs/verify.md (what each problem means and what to do)',
      '- Owner: ____________________',
      '',
      '### G03',
      '',
      '- Control: SOC2\\:CC6\\.1 (evidence gap, severity MEDIUM)',
      '- Status: in-progress',
      '- Description: failed once',
      '- Series: `okta/okta-x`',
      '- Days: 2026-04-11',
      "- Remediation action: Read the error snapshots' `errors` (credentials, a revoked role, an API limit), fix the cause, collect again, and acknowledge the days that cannot be recovered.",
      '- Evidence: `snapshots/2026-04-11/okta/okta-x/`',
      '- Policy: —',
      '- Procedure: docs/verify.md (what each problem means and what to do)',
      '- Owner: ____________________',
      '',
      '### G04',
      '',
      '- Control: SOC2\\:CC7\\.2 (evidence gap, severity HIGH)',
      '- Status: in-progress',
      '- Description: tampered',
      '- Remediation action: Integrity: the bytes in the locker are not the bytes the digest sealed. Treat as a potential tampering incident unless explained: compare with the access logs, keep the object as found, and document the cause; then re-seal or re-collect as docs/verify.md describes.',
      '- Evidence: `snapshots/2026-04-07/guardduty/aws-1-us-east-1/a|b.json`',
      '- Policy: —',
      '- Procedure: docs/verify.md (what each problem means and what to do)',
      '- Owner: ____________________',
      '',
      '### G05',
      '',
      '- Control: SOC2\\:CC7\\.2 (operating gap, severity HIGH)',
      '- Status: in-progress',
      '- Description: a series without days',
      '- Series: `guardduty/aws-1-us-east-1`',
      '- Remediation action: Configure and enforce the technical control; keep the command or infrastructure code in the report.',
      '- Evidence: —',
      '- Policy: —',
      '- Procedure: docs/verify.md (what each problem means and what to do)',
      '- Owner: ____________________',
      '',
      '### G06',
      '',
      '- Control: SOC2\\:A1\\.2 (design gap, severity LOW)',
      '- Status: in-progress',
      '- Description: days without a series',
      '- Days: 2026-04-01',
      '- Remediation action: Draft the policy (Purpose, Scope, Policy, Procedure, RACI, Exceptions, Review, References), have it approved, publish it.',
      '- Evidence: —',
      '- Policy: —',
      '- Procedure: docs/verify.md (what each problem means and what to do)',
      '- Owner: ____________________',
      '',
      '## Residual risk register',
      '',
      'Gaps not closed, with a target close date by severity (HIGH 7 days, MEDIUM 30, LOW 90, counted from 2026-04-20).',
      '',
      '| # | control | severity | status | risk while open | target close date | owner |',
      '|---|---|---|---|---|---|---|',
      '| G01 | SOC2\\:CC7\\.2 | MEDIUM | in-progress | missing days | 2026-05-20 | |',
      '| G02 | SOC2\\:CC6\\.1 | LOW | exception | acknowledged | 2026-07-19 | |',
      '| G03 | SOC2\\:CC6\\.1 | MEDIUM | in-progress | failed once | 2026-05-20 | |',
      '| G04 | SOC2\\:CC7\\.2 | HIGH | in-progress | tampered | 2026-04-27 | |',
      '| G05 | SOC2\\:CC7\\.2 | HIGH | in-progress | a series without days | 2026-04-27 | |',
      '| G06 | SOC2\\:A1\\.2 | LOW | in-progress | days without a series | 2026-07-19 | |',
      '',
      '## Next audit-period actions: evidence collection schedule',
      '',
      '| job | schedule (EventBridge Scheduler, UTC) | what it leaves in the locker |',
      '|---|---|---|',
      '| collect | `cron(5 0 * * ? *)\\|d` | one snapshot per series per day |',
      "| collect again | `cron(35 0-6 * * ? *)\\|c` | further snapshots of the collectors that carry work over (okta-users: factor reads deferred, and what changed since the day's first run) |",
      "| seal | `cron(0 3 * * ? *)\\|a` | a signed digest chaining the day's snapshots |",
      '| verify | `cron(0 6 * * ? *)\\|b` | a verification report; alarms on gaps and integrity problems |',
      '',
      'Collected every day:',
      '',
      '- `guardduty` (CC7.2)',
      '- `okta` (CC6.1, CC6.2)',
      '',
      'At audit time: `evidence verify --findings compliance.json` for the period, `evidence report` (coverage calendar and a workpaper per control), `evidence export` (the signed, hash-chained evidence the auditor checks with openssl), then this report again: every gap above should be closed or a documented exception.',
      '',
    ]);
  });

  it('a schedule without a second collection: no "collect again" row', () => {
    const md = remediationMarkdown({
      findings: { findings: [] },
      date: '2026-04-20',
      source: 'f.json',
      schedule: { collect: 'c', seal: 's', verify: 'v', collectAgain: false },
    });
    const rows = md.split('\n').filter((l) => l.startsWith('| '));
    expect(rows).toEqual([
      '| # | control | gap type | severity | status | evidence |',
      '| job | schedule (EventBridge Scheduler, UTC) | what it leaves in the locker |',
      '| collect | `c` | one snapshot per series per day |',
      "| seal | `s` | a signed digest chaining the day's snapshots |",
      '| verify | `v` | a verification report; alarms on gaps and integrity problems |',
    ]);
  });

  it('no findings: said in the gaps and the register; no schedule or collectors: neither section', () => {
    const md = remediationMarkdown({ findings: { findings: [] }, date: '2026-04-20', source: 'f.json' });
    expect(md.split('\n')).toEqual([
      '# Compliance remediation — SOC 2 — 2026-04-20',
      '',
      `From \`f.json\`, written by ${TOOL.name} ${TOOL.version}. 0 gap(s) over 0 control(s); 0 not closed. Evidence links are locker keys, relative to the locker.`,
      '',
      '## Summary',
      '',
      '| # | control | gap type | severity | status | evidence |',
      '|---|---|---|---|---|---|',
      '',
      '## Gaps',
      '',
      'No gap: verification found nothing to remediate.',
      '',
      '## Residual risk register',
      '',
      'Every gap is closed.',
      '',
      '## Next audit-period actions: evidence collection schedule',
      '',
      'At audit time: `evidence verify --findings compliance.json` for the period, `evidence report` (coverage calendar and a workpaper per control), `evidence export` (the signed, hash-chained evidence the auditor checks with openssl), then this report again: every gap above should be closed or a documented exception.',
      '',
    ]);
  });

  it('a findings file that is not JSON, or not of the shape: a usage error naming the file and the place', () => {
    let err: unknown;
    try {
      parseFindings('{ nope', 'f.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(/^f\.json is not valid JSON: /);
    expect((err as Error).cause).toBeInstanceOf(SyntaxError);
    const expected =
      'expected { "findings": [ { "control", "gap_type": "design" | "operating" | "evidence", "description", "severity": "HIGH" | "MEDIUM" | "LOW" } ] }';
    expect(() => parseFindings('[]', 'f.json')).toThrow(
      new UsageError(`f.json: (root): Invalid input: expected object, received array; ${expected}`),
    );
    expect(() =>
      parseFindings(
        JSON.stringify({
          findings: [{ control: 'x', gap_type: 'evidence', description: 'd', severity: 'BAD' }],
        }),
        'f.json',
      ),
    ).toThrow(/^f\.json: findings\.0\.severity: /);
  });
});

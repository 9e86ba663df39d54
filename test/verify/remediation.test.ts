/**
 * The remediation report: from the source document's own compliance.json example, and from
 * what `verify --findings` writes for a locker with a gap and a tampered snapshot.
 */
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { parseFindings, remediationMarkdown } from '../../shared/verify/remediation.js';
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
});

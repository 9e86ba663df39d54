/**
 * What the report states about itself: write-once only for S3 Object Lock with every object
 * locked as configured; expected-series.json's reasons for each day (configuration, `since`,
 * retirement, organization snapshot); the S3 re-check block of a form-3 snapshot.
 */
import { describe, expect, it } from 'vitest';
import { expectationRuns } from '../../shared/export/expected.js';
import { writeOnceOf } from '../../shared/report/statements.js';
import type { SampleReport, SampleResult } from '../../shared/sample/run.js';
import { recheckCommands } from '../../shared/sample/workpaper.js';

const config = { locker: { retentionDays: 730 } } as Parameters<typeof writeOnceOf>[1];

describe('writeOnceOf', () => {
  it('a directory locker is tamper-evident only, never write-once', () => {
    const w = writeOnceOf({ kind: 'directory', worm: false }, config, { integrity: [] });
    expect(w).toMatchObject({ writeOnce: false, label: 'not write-once: tamper-evident only' });
  });

  it('S3 with every object locked in COMPLIANCE mode is write-once, with its retention', () => {
    const w = writeOnceOf({ kind: 's3', worm: true }, config, { integrity: [] });
    expect(w.writeOnce).toBe(true);
    expect(w.label).toBe('write-once: S3 Object Lock, COMPLIANCE mode');
    expect(w.detail).toContain('730 days');
  });

  it('S3 with an object in GOVERNANCE mode or short retention is not shown write-once', () => {
    for (const problem of ['not-compliance-mode', 'retention-too-short', 'retention-missing'] as const) {
      const w = writeOnceOf({ kind: 's3', worm: true }, config, {
        integrity: [{ key: 'snapshots/x', problem, detail: '' }],
      });
      expect(w).toMatchObject({ writeOnce: false, label: 'write-once not shown' });
      expect(w.detail).toContain(problem);
    }
  });
});

describe('expectationRuns (expected-series.json)', () => {
  it('names why each day is expected or not: the audit start, a later since, a retirement', () => {
    const runs = expectationRuns(
      {
        expectedFrom: '2026-03-03',
        expectedFromReason: 'github.since',
        expectedTo: '2026-03-07',
        origin: 'config',
      },
      '2026-03-01',
      '2026-03-10',
      {
        series: 'github/github-acme',
        from: '2026-03-08',
        effectiveFrom: '2026-03-08',
        reason: 'org renamed',
        by: 'Ops',
        at: '2026-03-08T10:00:00.000Z',
        key: 'retirements/x.json',
      },
    );
    expect(runs).toEqual([
      { from: '2026-03-01', to: '2026-03-02', expected: false, why: 'before 2026-03-03: github.since' },
      {
        from: '2026-03-03',
        to: '2026-03-07',
        expected: true,
        why: 'configured (from 2026-03-03: github.since)',
      },
      {
        from: '2026-03-08',
        to: '2026-03-10',
        expected: false,
        why: 'retired from 2026-03-08 by Ops (written 2026-03-08T10:00:00.000Z): org renamed',
      },
    ]);
  });

  it("follows the day's organization snapshot, and says when a series is only in the locker", () => {
    const runs = expectationRuns(
      {
        expectedFrom: '2026-03-01',
        expectedFromReason: 'auditPeriod.start',
        expectedOn: [{ from: '2026-03-02', to: '2026-03-03' }],
        origin: 'config',
      },
      '2026-03-01',
      '2026-03-04',
    );
    expect(runs.map((r) => [r.from, r.to, r.expected])).toEqual([
      ['2026-03-01', '2026-03-01', false],
      ['2026-03-02', '2026-03-03', true],
      ['2026-03-04', '2026-03-04', false],
    ]);
    expect(runs[0]!.why).toContain("not in that day's organization snapshot");
    expect(runs[1]!.why).toContain("in that day's organization snapshot");
    const locker = expectationRuns(
      { expectedFrom: '2026-03-01', expectedFromReason: 'auditPeriod.start', origin: 'locker' },
      '2026-03-01',
      '2026-03-01',
    );
    expect(locker[0]!.why).toContain('judged until retired');
  });
});

describe('workpaper re-check block on S3, digest form 3', () => {
  it('fetches the leaf and the root with their signatures and checks snapshot → leaf → signed root', () => {
    const s = {
      check: 'fake-protected',
      collector: 'fakerepos',
      scope: 'github-acme',
      day: '2026-02-02',
      key: 'snapshots/2026-02-02/fakerepos/github-acme/20260202T000500000Z-run000000001.json',
      sha256: 'a'.repeat(64),
      versionId: 'v1',
      digestKey: 'digests/2026-02-02/20260202T230000000Z.json',
      leafKey: 'leaves/2026-02-02/20260202T230000000Z/fakerepos/3c.json',
    } as SampleResult;
    const report = { locker: { url: 's3://acme-evidence/prod', kind: 's3', worm: true } } as SampleReport;
    const text = recheckCommands(report, s).join('\n');
    expect(text).toContain(`--key prod/${s.leafKey} leaf.json`);
    expect(text).toContain(`--key prod/${s.leafKey}.sig leaf.json.sig`);
    expect(text).toContain(`grep -o '"key":"${s.leafKey}","sha256":"[0-9a-f]*"' root.json`);
    expect(text).toContain('openssl dgst -sha256 -verify "$PUBLIC_KEY" -signature root.json.sig root.json');
    expect(text).not.toContain('digest.json');
  });
});

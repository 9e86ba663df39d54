/**
 * `npm run demo` end to end, on the test run's emulator: it seeds the fictional
 * organisation, collects several days, seals them, samples every control that has checks,
 * and leaves workpapers that show the organisation's planted exceptions.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { PLANTED_CHANGES, runDemo } from '../scripts/demo.js';

describe('npm run demo', () => {
  it('runs collect → seal → verify → sample and writes a workpaper per control', async () => {
    const dir = path.join(await mkdtemp(path.join(tmpdir(), 'demo-')), '.demo');
    const lines: string[] = [];
    const result = await runDemo({ dir, emulatorUrl: inject('awsEndpoint'), print: (l) => lines.push(l) });
    const printed = lines.join('\n');

    expect(result.days).toHaveLength(4);
    const collects = result.steps.filter((s) => s.command.includes(' collect '));
    expect(collects).toHaveLength(4);
    // Every collection is complete: the emulator wrapper supplies what moto cannot hold (GuardDuty
    // members and statistics), so no snapshot is partial and no exception comes from the emulator.
    for (const step of collects) expect(step.code, step.output).toBe(0);
    const seals = result.steps.filter((s) => s.command.includes(' seal '));
    expect(seals.map((s) => s.code)).toEqual([0, 0, 0, 0]);
    const verify = result.steps.filter((s) => s.command.includes(' verify '));
    expect(verify).toHaveLength(1);
    for (const step of verify) expect(step.code, step.output).toBe(0);

    expect(result.sources).toEqual(['aws', 'okta', 'github']);
    expect(result.workpapers.map((w) => w.control)).toEqual([
      'A1.2',
      'CC6.1',
      'CC6.2',
      'CC7.1',
      'CC7.2',
      'CC8.1',
    ]);
    for (const w of result.workpapers) {
      const md = await readFile(path.join(w.dir, 'workpaper.md'), 'utf8');
      const doc = JSON.parse(await readFile(path.join(w.dir, 'samples.json'), 'utf8'));
      expect(existsSync(path.join(w.dir, 'samples.csv'))).toBe(true);
      expect(doc.seed).toBe('demo');
      expect(doc.samples.length).toBeGreaterThan(0);
      expect(md.split('\n').filter((l) => /^\| \d+ \|/.test(l))).toHaveLength(doc.samples.length);
      expect(printed).toContain(path.join(w.dir, 'workpaper.md'));
      // Every day of the demo was collected and sealed: nothing is missing or unsealed.
      for (const s of doc.samples) {
        expect(s.result).not.toBe('missing');
        expect(s.integrity).toBe('sealed');
      }
    }

    // The planted exceptions are found and named.
    const samples = async (control: string) =>
      JSON.parse(await readFile(path.join(dir, 'workpapers', control, 'samples.json'), 'utf8')).samples as {
        check: string;
        scope: string;
        result: string;
        failing: string[];
      }[];
    /** Each item passes `ok`, and there is at least one: `.every` over an empty list proves nothing. */
    const all = <T>(items: T[], what: string, ok: (item: T) => boolean) => {
      expect(items.length, `${what}: nothing sampled`).toBeGreaterThan(0);
      expect(
        items.filter((item) => !ok(item)),
        what,
      ).toEqual([]);
    };
    const cc72 = await samples('CC7.2');
    const gd = cc72.filter((s) => s.check === 'guardduty-enabled');
    all(
      gd.filter((s) => s.scope.endsWith('eu-west-1')),
      'GuardDuty off in eu-west-1',
      (s) => s.result === 'fail',
    );
    all(
      gd.filter((s) => s.scope.endsWith('us-east-1')),
      'GuardDuty on in us-east-1',
      (s) => s.result === 'pass',
    );
    all(
      cc72.filter((s) => s.check === 'cloudtrail-logging'),
      'CloudTrail logging',
      (s) => s.result === 'pass',
    );
    // One population per check, counted in snapshots: the one IAM series over four days is four
    // daily snapshots for each of its two checks (not 4 days × 2 check-series = 8).
    const cc61md = await readFile(path.join(dir, 'workpapers', 'CC6.1', 'workpaper.md'), 'utf8');
    for (const check of ['iam-console-mfa', 'iam-key-rotation'])
      expect(cc61md).toContain(`| ${check} | iam | 4 | 4 day(s) × 1 series of iam |`);
    const mfa = (await samples('CC6.1')).filter((s) => s.check === 'iam-console-mfa');
    all(mfa, 'bob has no MFA, alice has', (s) => s.failing.includes('bob') && !s.failing.includes('alice'));
    const backups = (await samples('A1.2')).filter((s) => s.check === 'backups-recent');
    expect(backups.filter((s) => s.scope.endsWith('us-east-1')).length).toBeGreaterThan(0);
    for (const s of backups.filter((x) => x.scope.endsWith('us-east-1')))
      expect(s.failing).toEqual([`arn:aws:dynamodb:us-east-1:${result.accountId}:table/acme-carts`]);
    // eu-west-1 has no database: not applicable, said so.
    for (const s of backups.filter((x) => x.scope.endsWith('eu-west-1')))
      expect(s.result).toBe('not-applicable');
    const cc71 = await samples('CC7.1');
    const sla = cc71.filter((s) => s.check === 'vulnerabilities-within-sla' && s.scope.endsWith('us-east-1'));
    expect(sla.length).toBeGreaterThan(0);
    for (const s of sla)
      expect(s.failing).toEqual([
        `arn:aws:inspector2:us-east-1:${result.accountId}:finding/acme-openssl-critical`,
      ]);
    // The planted Dependabot alert: critical, 30 days open, found on every day sampled.
    const dependabot = cc71.filter(
      (s) => s.check === 'vulnerabilities-within-sla' && s.scope === 'github-acme',
    );
    expect(dependabot.length).toBeGreaterThan(0);
    for (const s of dependabot) expect(s.failing).toEqual(['dependabot:acme/repo-0002#1']);
    const scanning = cc71.filter((s) => s.check === 'inspector-enabled');
    // us-east-1 scans all three types and its coverage (the web server, scanned an hour before
    // each collection) is fresh on every day sampled; eu-west-1 has Inspector off.
    all(
      scanning.filter((s) => s.scope.endsWith('us-east-1')),
      'inspector-enabled in us-east-1 passes',
      (s) => s.result === 'pass',
    );
    all(
      scanning.filter((s) => s.scope.endsWith('eu-west-1')),
      'inspector-enabled in eu-west-1 fails',
      (s) => s.result === 'fail',
    );
    const cc61v = await samples('CC6.1');
    const atRest = cc61v.filter((s) => s.check === 'encryption-at-rest' && s.scope.endsWith('us-east-1'));
    expect(atRest.length).toBeGreaterThan(0);
    for (const s of atRest) {
      expect(s.result).toBe('fail');
      expect(s.failing).toEqual([`arn:aws:rds:us-east-1:${result.accountId}:db:acme-legacy-reports`]);
    }
    const blocked = cc61v.filter(
      (s) => s.check === 's3-public-access-blocked' && s.scope.endsWith('us-east-1'),
    );
    expect(blocked.length).toBeGreaterThan(0);
    for (const s of blocked)
      expect(s.failing).toEqual([`arn:aws:s3:::acme-marketing-site-${result.accountId}`]);
    // eu-west-1 has no bucket: not applicable, said so, never a silent pass.
    const euBlocked = cc61v.filter(
      (s) => s.check === 's3-public-access-blocked' && s.scope.endsWith('eu-west-1'),
    );
    for (const s of euBlocked) expect(s.result).toBe('not-applicable');
    const twoFactor = (await samples('CC6.1')).filter((s) => s.check === 'github-members-2fa');
    all(twoFactor, 'bruno-acme has no 2FA', (s) => s.failing.length === 1 && s.failing[0] === 'bruno-acme');

    const okta = (await samples('CC6.2')).filter((s) => s.check === 'okta-privileged-groups');
    expect(okta.length).toBeGreaterThan(0);
    for (const s of okta) expect(s.failing.join(' ')).toContain('olaf');
    // olaf, deprovisioned in Okta, is still a member of the GitHub org (linked by his SAML identity).
    const leavers = (await samples('CC6.2')).filter((s) => s.check === 'access-revoked-on-termination');
    expect(leavers.length).toBeGreaterThan(0);
    for (const s of leavers) expect(s.failing).toEqual(['olaf@acme.example:github:acme']);
    // Issue 21: a person without MFA, the rule that allows one factor, the dormant admin.
    const cc61 = await samples('CC6.1');
    const enrolled = cc61.filter((s) => s.check === 'okta-mfa-enrolled');
    expect(enrolled.length).toBeGreaterThan(0);
    for (const s of enrolled) expect(s.failing).toEqual(['pat@acme.example']);
    const required = cc61.filter((s) => s.check === 'okta-mfa-required');
    expect(required.length).toBeGreaterThan(0);
    for (const s of required) expect(s.failing).toEqual(['Okta Admin Console / Contractors: password only']);
    const dormant = (await samples('CC6.2')).filter((s) => s.check === 'okta-dormant-users');
    expect(dormant.length).toBeGreaterThan(0);
    for (const s of dormant) expect(s.failing).toEqual(['dora@acme.example']);
    // Sampling people: stratified by department, recorded, with a workpaper.
    const people = JSON.parse(await readFile(path.join(result.people.dir, 'samples.json'), 'utf8'));
    expect(people.strata.attribute).toBe('department');
    expect(people.samples.length).toBeGreaterThanOrEqual(people.strata.allocation.length);
    expect(new Set(people.samples.map((s: { fields: { stratum: string } }) => s.fields.stratum))).toEqual(
      new Set(people.strata.allocation.map((a: { stratum: string }) => a.stratum)),
    );
    expect(printed).toContain(path.join(result.people.dir, 'workpaper.md'));
    // The access review: every account decided (nobody on their own), dora's removal still to be proven.
    expect(result.review.campaign).toMatch(/^okta-/);
    expect(result.review.code).toBe(1);
    const review = await readFile(path.join(result.review.dir, 'workpaper.md'), 'utf8');
    expect(review).toContain('**Not complete**');
    const decided = review.split('\n').filter((l) => /^\| \d+ \| /.test(l));
    expect(decided.length).toBeGreaterThan(1);
    for (const row of decided) {
      const [, account, , reviewer, decision, by] = row.split(' | ');
      expect(by, row).toBe(reviewer);
      expect(reviewer, row).not.toBe(account);
      expect(decision, row).toBe(account === 'dora\\@acme\\.example' ? 'remove' : 'keep');
    }
    expect(decided.filter((l) => l.includes('| remove |'))).toHaveLength(1);
    expect(review).toMatch(/dora\\@acme\\.example .*\| pending by /);
    // Config recording passes in both regions: the wrapper supplies the recorder's last status.
    const recording = cc72.filter((s) => s.check === 'config-recording');
    expect(recording.length + (await samples('CC6.1')).length).toBeGreaterThan(0);
    for (const control of ['CC6.1', 'CC6.2', 'CC7.2', 'CC8.1'])
      for (const s of await samples(control))
        if (s.check === 'config-recording') expect(s.result, JSON.stringify(s)).toBe('pass');
    expect(printed).toMatch(/emulator wrapper supplied .*config:DescribeConfigurationRecorderStatus/);
    expect(printed).toMatch(/The tour plants these exceptions, and reports no other/);

    // Changes (CC8.1): collected from the local GitHub, sampled as a population; each planted
    // change gets the verdict it was planted for, each check named.
    expect(result.population.code).toBe(1);
    const changes = JSON.parse(await readFile(path.join(result.population.dir, 'samples.json'), 'utf8'))
      .samples as { id: string; verdict: string; fields: Record<string, string>; detail: string }[];
    const verdict = Object.fromEntries(changes.map((c) => [c.id, c]));
    expect(Object.keys(verdict).sort()).toEqual([
      PLANTED_CHANGES.reviewed,
      PLANTED_CHANGES.selfApproved,
      PLANTED_CHANGES.emergencyWithRecord,
      PLANTED_CHANGES.emergencyWithoutRecord,
    ]);
    expect(verdict[PLANTED_CHANGES.reviewed]!.verdict).toBe('pass');
    expect(verdict[PLANTED_CHANGES.selfApproved]!.verdict).toBe('fail');
    expect(verdict[PLANTED_CHANGES.emergencyWithRecord]).toMatchObject({
      verdict: 'pass',
      fields: {
        'linked record': 'CHG-2026-0522',
        checks: 'change-peer-reviewed pass; emergency-change-gate pass',
      },
    });
    expect(verdict[PLANTED_CHANGES.emergencyWithoutRecord]).toMatchObject({
      verdict: 'fail',
      fields: { checks: 'change-peer-reviewed pass; emergency-change-gate fail' },
    });
    // The CC8.1 workpaper samples the change checks' days too; their failures are the planted ones.
    const cc81 = await samples('CC8.1');
    const planted = new Set<string>([
      PLANTED_CHANGES.selfApproved,
      PLANTED_CHANGES.emergencyWithoutRecord,
      PLANTED_CHANGES.incompleteRecord,
    ]);
    for (const s of cc81.filter((x) => ['change-peer-reviewed', 'emergency-change-gate'].includes(x.check)))
      for (const id of s.failing) expect(planted.has(id), `${s.check}: ${id}`).toBe(true);
    for (const s of cc81.filter((x) => x.check === 'no-direct-push'))
      for (const id of s.failing) expect(id).toMatch(/^acme\/repo-0001@/);
    const gh = (await samples('CC8.1')).filter((s) => s.check === 'github-branch-protection');
    expect(gh.length).toBeGreaterThan(0);
    for (const s of gh) expect(s.failing).toEqual(['repo-0004']);
    expect(printed).toMatch(/== done/);
    // Its signing key stays in the demo directory, outside the locker.
    expect(existsSync(path.join(result.dir, 'signing-key.pem'))).toBe(true);
    // The report: one self-contained HTML file with the coverage calendar.
    const html = await readFile(result.report, 'utf8');
    expect(html).toContain('<html');
    expect(printed).toContain(`report: ${result.report}`);
    // It ends with where the results are: a verified locker, the workpapers and the report.
    expect(result.verified).toBe(true);
    expect(printed).toContain(
      `locker, verified (every day present, every snapshot sealed, the chain intact): ${result.store}`,
    );
  }, 180_000);
});

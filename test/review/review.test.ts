/**
 * Access reviews end to end through the CLI: collect from the local Okta and GitHub servers and
 * the emulated AWS account, seal, start campaigns as of a sealed day, record decisions, change
 * the world (deprovision, remove a member, delete a key), collect and seal later days, close,
 * verify. Every claim is tried against a way to fool it.
 */
import { chmod, mkdtemp, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DeleteAccessKeyCommand,
  GenerateCredentialReportCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../shared/evidence/days.js';
import { forgetSecrets, registerSecret } from '../../shared/secrets.js';
import { testAccountId } from '../helpers/aws.js';
import { runCli } from '../helpers/cli.js';
import { DEFAULT_GITHUB_TOKEN, makeGitHubOrg, startGitHubServer } from '../servers/github-server.js';
import { DEFAULT_OKTA_TOKEN, makeOktaOrg, startOktaServer } from '../servers/okta-server.js';

const ENV = ['OKTA_API_TOKEN', 'GITHUB_TOKEN', 'GITHUB_API_URL', 'GITHUB_GRAPHQL_URL'] as const;
const ONLY = 'okta,okta-users,github-members,iam';

describe('evidence review (Okta, GitHub, AWS)', () => {
  let dir: string;
  let store: string;
  let config: string;
  const saved: Record<string, string | undefined> = {};
  const stops: (() => Promise<void>)[] = [];
  let okta: ReturnType<typeof makeOktaOrg>;
  let github: ReturnType<typeof makeGitHubOrg>;
  let iam: IAMClient;
  let bobKey = '';

  const cli = (args: string[], at: string) =>
    runCli([...args, '--store', store, '--config', config], { clock: at });
  const collect = async (day: string, then: { seal: boolean } = { seal: true }) => {
    const run = await cli(['collect', '--only', ONLY, '--json'], `${day}T00:05:00.000Z`);
    expect(run.code, run.stderr).toBe(0);
    if (then.seal) await seal(day);
  };
  const seal = async (day: string) => {
    const sealed = await cli(['seal', '--day', day], `${addDays(day, 1)}T01:00:00.000Z`);
    expect(sealed.code, sealed.stderr).toBe(0);
  };
  const sheet = async (rows: string[][]) => {
    const file = path.join(dir, `decisions-${Math.random().toString(36).slice(2)}.csv`);
    await writeFile(file, `account,decision,note\r\n${rows.map((r) => r.join(',')).join('\r\n')}\r\n`);
    return file;
  };
  const user = (login: string) => okta.users.find((u) => u.login === login)!;
  /** `review record` of one decisions sheet (rows of account, decision, note) by one reviewer. */
  const recordDecisions = async (campaign: string, rows: string[][], by: string, at: string) =>
    cli(['review', 'record', '--campaign', campaign, '--decisions', await sheet(rows), '--by', by], at);
  /** `review start` with the reviewers file, sheets written under `dir/<out>`, as JSON. */
  const startReview = (system: string, asOf: string, out: string, at: string) =>
    cli(
      [
        'review',
        'start',
        '--system',
        system,
        '--as-of',
        asOf,
        '--reviewers',
        path.join(dir, 'reviewers.json'),
        '--out',
        path.join(dir, out),
        '--json',
      ],
      at,
    );

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'review-'));
    store = path.join(dir, 'locker');
    for (const k of ENV) saved[k] = process.env[k];
    okta = makeOktaOrg({
      groups: 0,
      users: 0,
      domain: 'acme.example',
      named: [
        {
          name: 'Engineering',
          members: [
            { login: 'ana@acme.example' },
            { login: 'bob@acme.example', profile: { manager: 'ana@acme.example' } },
            { login: 'cara@acme.example', profile: { manager: 'ana@acme.example' } },
            { login: 'dan@acme.example', profile: { manager: 'ana@acme.example' } },
            { login: 'eve@acme.example', profile: { manager: 'ana@acme.example' } },
            { login: 'gone@acme.example', status: 'DEPROVISIONED' },
          ],
        },
      ],
    });
    const oktaServer = await startOktaServer(okta);
    stops.push(oktaServer.stop);
    github = makeGitHubOrg({ login: 'acme', repos: 2 });
    github.members = [{ login: 'ana-gh', role: 'ADMIN' }, { login: 'olaf-gh' }, { login: 'pia-gh' }];
    github.repos[0]!.outsideCollaborators = [{ login: 'vendor-gh', permission: 'READ' }];
    const githubServer = await startGitHubServer(github);
    stops.push(githubServer.stop);
    process.env.OKTA_API_TOKEN = DEFAULT_OKTA_TOKEN;
    process.env.GITHUB_TOKEN = DEFAULT_GITHUB_TOKEN;
    process.env.GITHUB_API_URL = githubServer.url;
    process.env.GITHUB_GRAPHQL_URL = githubServer.graphqlUrl;
    iam = new IAMClient({ region: 'us-east-1' });
    await iam.send(new CreateUserCommand({ UserName: 'alice-console' }));
    await iam.send(
      new CreateLoginProfileCommand({ UserName: 'alice-console', Password: 'Correct-Horse-9-Battery' }),
    );
    await iam.send(new CreateUserCommand({ UserName: 'bob-keys' }));
    bobKey = (await iam.send(new CreateAccessKeyCommand({ UserName: 'bob-keys' }))).AccessKey!.AccessKeyId!;
    await iam.send(new CreateUserCommand({ UserName: 'idle-user' }));
    const trust = (principal: unknown) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }],
      });
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'partner-access',
        AssumeRolePolicyDocument: trust({ AWS: 'arn:aws:iam::999999999999:root' }),
      }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'lambda-exec',
        AssumeRolePolicyDocument: trust({ Service: 'lambda.amazonaws.com' }),
      }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'own-admin',
        AssumeRolePolicyDocument: trust({ AWS: `arn:aws:iam::${testAccountId()}:root` }),
      }),
    );
    await iam.send(new GenerateCredentialReportCommand({}));
    registerSecret(process.env.AWS_SECRET_ACCESS_KEY);
    config = path.join(dir, 'evidence.config.json');
    await writeFile(
      config,
      JSON.stringify({
        locker: { retentionDays: 730 },
        aws: { regions: ['us-east-1'] },
        okta: { orgUrl: oktaServer.url },
        github: { org: 'acme' },
        auditPeriod: { start: '2026-01-01' },
        reviews: {
          cadence: 'quarterly',
          systems: ['okta', 'github', 'aws'],
          removalSlaDays: 5,
          graceDays: 5,
        },
      }),
    );
  }, 120_000);

  afterAll(async () => {
    iam?.destroy();
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    for (const stop of stops.splice(0)) await stop();
    forgetSecrets();
  });

  it('runs the quarter: populations from sealed snapshots, self-review refused, removals proven, late and not done named, verify judges the cadence', async () => {
    await collect('2026-03-31');

    // Okta: the population is every user of the sealed okta-users snapshot who can sign in.
    const reviewers = path.join(dir, 'reviewers.json');
    await writeFile(
      reviewers,
      JSON.stringify({
        accounts: { 'ana@acme.example': 'ciso@acme.example', 'ana-gh': 'ciso-gh' },
        default: 'ana-gh',
        delegates: { 'ana@acme.example': ['deputy@acme.example'] },
      }),
    );
    const start = await startReview('okta', '2026-03-31', 'okta-sheets', '2026-04-01T09:00:00.000Z');
    expect(start.code, start.stderr).toBe(0);
    const started = JSON.parse(start.stdout);
    const oktaCampaign = started.campaign as string;
    expect(oktaCampaign).toMatch(/^okta-2026-03-31-[0-9a-f]{8}$/);
    const [source] = started.sources.filter((s: { role: string }) => s.role === 'population');
    const snapshot = JSON.parse(await readFile(path.join(store, source.key), 'utf8'));
    const signIn = snapshot.data.users
      .filter((u: { status: string }) => u.status === 'ACTIVE')
      .map((u: { login: string }) => u.login);
    const campaignKey = started.key as string;
    const campaign = JSON.parse(await readFile(path.join(store, campaignKey), 'utf8'));
    expect(campaign.population.map((a: { account: string }) => a.account).sort()).toEqual(signIn.sort());
    expect(campaign.population.map((a: { account: string }) => a.account)).not.toContain('gone@acme.example');
    expect(campaign.assignments).toContainEqual({
      account: 'bob@acme.example',
      reviewer: 'ana@acme.example',
      via: 'manager',
    });
    expect(campaign.assignments).toContainEqual({
      account: 'ana@acme.example',
      reviewer: 'ciso@acme.example',
      via: 'account',
    });
    const sheets = await readdir(path.join(dir, 'okta-sheets'));
    expect(sheets.sort()).toHaveLength(2);
    const anaSheet = await readFile(
      path.join(dir, 'okta-sheets', sheets.find((s) => s.includes('ana'))!),
      'utf8',
    );
    expect(anaSheet.split('\r\n')[0]).toMatch(/^\uFEFFaccount,decision,note,kind,scope,reviewer,/);
    expect(anaSheet).toContain('bob@acme.example,,,user,');

    // GitHub: members with role and outside collaborators.
    const ghStart = await startReview('github', '2026-03-31', 'gh-sheets', '2026-04-01T09:05:00.000Z');
    expect(ghStart.code, ghStart.stderr).toBe(0);
    const ghCampaign = JSON.parse(ghStart.stdout).campaign as string;
    const ghRecord = JSON.parse(await readFile(path.join(store, JSON.parse(ghStart.stdout).key), 'utf8'));
    expect(
      ghRecord.population.map((a: { account: string; kind: string }) => `${a.account}:${a.kind}`).sort(),
    ).toEqual(['ana-gh:member', 'olaf-gh:member', 'pia-gh:member', 'vendor-gh:outside-collaborator']);

    // A self-review is refused: nothing decided, the attempt recorded.
    const self = await recordDecisions(
      oktaCampaign,
      [['ana@acme.example', 'keep', '']],
      'ana@acme.example',
      '2026-04-01T09:30:00.000Z',
    );
    expect(self.code).toBe(2);
    expect(self.stderr).toMatch(/may not review their own account/);
    // Not in the population, an unknown decision: refused, nothing written.
    const stranger = await recordDecisions(
      oktaCampaign,
      [['mallory@acme.example', 'keep', '']],
      'ana@acme.example',
      '2026-04-01T09:31:00.000Z',
    );
    expect(stranger.code).toBe(2);
    expect(stranger.stderr).toMatch(/not in the population/);
    const unknown = await recordDecisions(
      oktaCampaign,
      [['bob@acme.example', 'maybe', '']],
      'ana@acme.example',
      '2026-04-01T09:32:00.000Z',
    );
    expect(unknown.code).toBe(2);
    const recorded = (await readdir(path.join(store, 'reviews', oktaCampaign))).filter((f) =>
      f.endsWith('.json'),
    );
    expect(recorded.filter((f) => f.endsWith('-decisions.json'))).toHaveLength(0);
    expect(recorded.filter((f) => f.endsWith('-refused.json'))).toHaveLength(1);

    // Decisions: bob removed in time, cara never, dan late; ana by the CISO's delegate.
    const anaDecides = await recordDecisions(
      oktaCampaign,
      [
        ['bob@acme.example', 'remove', 'left the team'],
        ['cara@acme.example', 'remove', ''],
        ['dan@acme.example', 'remove', ''],
        ['eve@acme.example', 'change', '"drop Engineering, keep read-only"'],
      ],
      'ana@acme.example',
      '2026-04-01T10:00:00.000Z',
    );
    expect(anaDecides.code, anaDecides.stderr).toBe(0);
    // Recording again adds a record: the latest decision counts, the earlier one stays visible.
    const eveAgain = await recordDecisions(
      oktaCampaign,
      [['eve@acme.example', 'keep', '']],
      'ana@acme.example',
      '2026-04-01T10:30:00.000Z',
    );
    expect(eveAgain.code, eveAgain.stderr).toBe(0);
    const cisoDecides = await recordDecisions(
      oktaCampaign,
      [['ana@acme.example', 'keep', '']],
      'ciso@acme.example',
      '2026-04-01T10:05:00.000Z',
    );
    expect(cisoDecides.code, cisoDecides.stderr).toBe(0);
    const ghDecides = await recordDecisions(
      ghCampaign,
      [
        ['olaf-gh', 'remove', 'left'],
        ['pia-gh', 'keep', ''],
        ['vendor-gh', 'keep', 'contract until June'],
      ],
      'ana-gh',
      '2026-04-01T10:10:00.000Z',
    );
    expect(ghDecides.code, ghDecides.stderr).toBe(0);
    const ghCiso = await recordDecisions(
      ghCampaign,
      [['ana-gh', 'keep', '']],
      'ciso-gh',
      '2026-04-01T10:11:00.000Z',
    );
    expect(ghCiso.code, ghCiso.stderr).toBe(0);

    await collect('2026-04-01');
    // bob deprovisioned and olaf removed before the next collection; dan only a week later.
    user('bob@acme.example').status = 'DEPROVISIONED';
    github.members = github.members!.filter((m) => m.login !== 'olaf-gh');
    await collect('2026-04-02', { seal: false });

    // AWS as of 04-01 (a Q2 campaign): console users, users with keys, roles trusting outsiders.
    const awsStart = await startReview('aws', '2026-04-01', 'aws-sheets', '2026-04-02T09:00:00.000Z');
    expect(awsStart.code, awsStart.stderr).toBe(0);
    const awsCampaign = JSON.parse(awsStart.stdout).campaign as string;
    const awsRecord = JSON.parse(await readFile(path.join(store, JSON.parse(awsStart.stdout).key), 'utf8'));
    const account = testAccountId();
    expect(awsRecord.population.map((a: { account: string }) => a.account).sort()).toEqual([
      `${account}/role/partner-access`,
      `${account}/user/alice-console`,
      `${account}/user/bob-keys`,
    ]);
    const awsDecides = await recordDecisions(
      awsCampaign,
      [
        [`${account}/role/partner-access`, 'keep', ''],
        [`${account}/user/alice-console`, 'keep', ''],
        [`${account}/user/bob-keys`, 'remove', 'unused key'],
      ],
      'ana-gh',
      '2026-04-02T10:00:00.000Z',
    );
    expect(awsDecides.code, awsDecides.stderr).toBe(0);
    await seal('2026-04-02');
    await iam.send(new DeleteAccessKeyCommand({ UserName: 'bob-keys', AccessKeyId: bobKey }));
    await iam.send(new GenerateCredentialReportCommand({}));
    await collect('2026-04-03');
    const awsClose = await cli(
      ['review', 'close', '--campaign', awsCampaign, '--json'],
      '2026-04-04T08:00:00.000Z',
    );
    expect(awsClose.code, awsClose.stdout + awsClose.stderr).toBe(0);
    expect(JSON.parse(awsClose.stdout)).toMatchObject({ complete: true, summary: { removedInTime: 1 } });

    // Close: GitHub complete; Okta not complete, cara named (never removed), dan late.
    const ghClose = await cli(
      ['review', 'close', '--campaign', ghCampaign, '--out', path.join(dir, 'gh-workpaper'), '--json'],
      '2026-04-04T09:00:00.000Z',
    );
    expect(ghClose.code, ghClose.stdout + ghClose.stderr).toBe(0);
    const ghClosed = JSON.parse(ghClose.stdout);
    expect(ghClosed).toMatchObject({
      complete: true,
      summary: { population: 4, decided: 4, removedInTime: 1 },
    });
    // Closed: no decision can be added any more.
    const late = await recordDecisions(
      ghCampaign,
      [['pia-gh', 'remove', '']],
      'ana-gh',
      '2026-04-04T09:30:00.000Z',
    );
    expect(late.code).toBe(2);
    expect(late.stderr).toMatch(/is closed/);

    const sealed4 = await cli(['seal', '--day', '2026-04-04'], '2026-04-05T01:00:00.000Z');
    expect(sealed4.code, sealed4.stderr).toBe(0);
    user('dan@acme.example').status = 'DEPROVISIONED';
    await collect('2026-04-08');

    const oktaClose = await cli(
      ['review', 'close', '--campaign', oktaCampaign, '--out', path.join(dir, 'okta-workpaper'), '--json'],
      '2026-04-10T12:00:00.000Z',
    );
    expect(oktaClose.code).toBe(1);
    const oktaClosed = JSON.parse(oktaClose.stdout);
    expect(oktaClosed.complete).toBe(false);
    expect(oktaClosed.summary).toMatchObject({
      removedInTime: 1,
      removedLate: 1,
      notRemoved: 1,
      undecided: 0,
    });
    expect(oktaClosed.missing.join('\n')).toMatch(/cara@acme\.example: to be removed by .*still present/);
    expect(oktaClosed.missing.join('\n')).toMatch(/dan@acme\.example: removed late/);
    expect(oktaClosed.missing.join('\n')).not.toMatch(/bob@acme\.example/);
    const closeRecord = JSON.parse(await readFile(path.join(store, oktaClosed.key), 'utf8')) as {
      accounts: { account: string; removal: { status: string; key: string; sha256: string } | null }[];
    };
    const bob = closeRecord.accounts.find((a) => a.account === 'bob@acme.example')!;
    expect(bob.removal).toMatchObject({
      status: 'removed',
      key: expect.stringMatching(/^snapshots\/2026-04-02\/okta-users\//),
    });
    expect(bob.removal!.sha256).toMatch(/^[0-9a-f]{64}$/);

    const workpaper = await readFile(path.join(dir, 'okta-workpaper', 'workpaper.md'), 'utf8');
    expect(workpaper).toContain('**Not complete**');
    expect(workpaper).toMatch(
      /### Superseded decisions\n\n.*\n.*\n\| eve\\@acme\\\.example \| change \| ana\\@acme\\\.example \| 2026-04-01T10:00:00\.000Z \| drop Engineering, keep read-only \|/,
    );
    expect(workpaper).toMatch(/\| eve\\@acme\\\.example \| user \| ana\\@acme\\\.example \| keep \|/);
    expect(workpaper).toMatch(
      /refused, no decision written: self-review\\: ana\\@acme\\\.example decided keep on their own account/,
    );
    expect(workpaper).toContain(source.sha256);
    expect(workpaper).toMatch(/## Sign-off/);
    // Verify, Q1 due 04-05: okta incomplete, aws missing (its campaign is Q2's), github complete.
    for (const day of ['2026-04-10']) {
      const sealed = await cli(['seal', '--day', day], `${addDays(day, 1)}T01:00:00.000Z`);
      expect(sealed.code, sealed.stderr).toBe(0);
    }
    const findingsFile = path.join(dir, 'compliance.json');
    const verified = await cli(
      ['verify', '--from', '2026-03-31', '--to', '2026-04-10', '--json', '--findings', findingsFile],
      '2026-04-11T12:00:00.000Z',
    );
    expect(verified.code).toBe(1);
    const result = JSON.parse(verified.stdout);
    const findings = JSON.parse(await readFile(findingsFile, 'utf8')).findings as {
      control: string;
      problem: string;
    }[];
    expect(findings.filter((f) => f.problem === 'review-missing').map((f) => f.control)).toEqual([
      'SOC2:CC6.2',
      'SOC2:CC6.3',
    ]);
    const reviewProblems = result.integrity.filter((p: { problem: string }) =>
      p.problem.startsWith('review-'),
    );
    expect(
      reviewProblems.map((p: { key: string; problem: string }) => `${p.problem} ${p.key}`).sort(),
    ).toEqual(['review-incomplete reviews/okta/2026-Q1', 'review-missing reviews/aws/2026-Q1']);
    expect(
      result.reviews.periods.find(
        (p: { system: string; period: { id: string } }) => p.system === 'github' && p.period.id === '2026-Q1',
      ).status,
    ).toBe('complete');
    expect(
      result.integrity.filter(
        (p: { key: string; problem: string }) =>
          p.key.startsWith('reviews/') && !p.problem.startsWith('review-'),
      ),
    ).toEqual([]);

    // A decisions record altered in the locker: bad signature, and the GitHub quarter no longer counts.
    const ghDecisionKey = ghClosed.key.replace(/[^/]+$/, '');
    const file = (await readdir(path.join(store, ghDecisionKey))).find((f) => f.endsWith('-decisions.json'))!;
    const target = path.join(store, ghDecisionKey, file);
    await chmod(target, 0o644);
    await writeFile(target, (await readFile(target, 'utf8')).replace('"remove"', '"keep"'));
    const again = await cli(
      ['verify', '--from', '2026-03-31', '--to', '2026-04-10', '--json'],
      '2026-04-11T13:00:00.000Z',
    );
    expect(again.code).toBe(1);
    const tampered = JSON.parse(again.stdout);
    const onRecord = tampered.integrity
      .filter((p: { key: string }) => p.key === `${ghDecisionKey}${file}`)
      .map((p: { problem: string }) => p.problem);
    expect(onRecord).toContain('bad-signature');
    expect(onRecord).toContain('hash-mismatch');
    expect(
      tampered.integrity.map((p: { problem: string; key: string }) => `${p.problem} ${p.key}`),
    ).toContain('review-incomplete reviews/github/2026-Q1');
  }, 300_000);

  it('refuses to start a campaign over a snapshot altered after sealing, and writes nothing', async () => {
    const day = '2026-03-31';
    const keys = (
      await readdir(path.join(store, 'snapshots', day, 'github-members'), { recursive: true })
    ).filter((k) => String(k).endsWith('.json'));
    const target = path.join(store, 'snapshots', day, 'github-members', String(keys[0]));
    await chmod(target, 0o644);
    const text = await readFile(target, 'utf8');
    await writeFile(target, text.replace('"pia-gh"', '"pia-gx"'));
    const before = (await readdir(path.join(store, 'reviews'))).length;
    const run = await cli(
      ['review', 'start', '--system', 'github', '--as-of', day, '--out', path.join(dir, 'never')],
      '2026-04-12T09:00:00.000Z',
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/refusing to start a campaign on 2026-03-31: .*hash-mismatch/);
    expect((await readdir(path.join(store, 'reviews'))).length).toBe(before);
    await writeFile(target, text);
  });

  it("report shows each quarter's campaigns and writes their workpapers; export carries the signed records, verify-export names the altered one", async () => {
    const packet = path.join(dir, 'packet');
    const reported = await cli(
      ['report', '--from', '2026-03-31', '--to', '2026-04-10', '--out', packet],
      '2026-04-12T10:00:00.000Z',
    );
    expect(reported.code, reported.stderr).toBe(1);
    const html = await readFile(path.join(packet, 'report.html'), 'utf8');
    expect(html).toContain('<h2 id="reviews">Access reviews (CC6.2, CC6.3)</h2>');
    expect(html).toMatch(
      /<th>Access reviews<\/th><td><span class="verdict bad">exceptions noted<\/span> 1 system-period\(s\) closed complete in time, 3 missing or incomplete, 2 not yet due; 3 campaign/,
    );
    const campaigns = (await readdir(path.join(store, 'reviews'))).sort();
    expect(campaigns).toHaveLength(3);
    for (const id of campaigns) {
      expect(html).toContain(`<code>${id}</code>`);
      expect(
        await readFile(path.join(packet, 'workpapers', 'reviews', id, 'workpaper.md'), 'utf8'),
      ).toContain(`| Campaign | \`${id}\` |`);
    }
    const aws = campaigns.find((c) => c.startsWith('aws-'))!;
    expect(html).toMatch(
      new RegExp(`<code>${aws}</code></td><td>2026-04-01</td><td class="num">3</td><td>pass</td>`),
    );

    const exported = path.join(dir, 'export');
    const exp = await cli(
      ['export', '--from', '2026-03-31', '--to', '2026-04-10', '--out', exported],
      '2026-04-12T11:00:00.000Z',
    );
    expect([0, 1]).toContain(exp.code);
    const copied = (await readdir(path.join(exported, 'locker', 'reviews'), { recursive: true })).map(String);
    for (const id of campaigns)
      expect(copied.some((f) => f.startsWith(`${id}/`) && f.endsWith('-campaign.json.sig'))).toBe(true);
    const checked = await cli(['verify-export', exported, '--json'], '2026-04-12T11:05:00.000Z');
    expect(checked.code).toBe(1);
    const problems = JSON.parse(checked.stdout).problems as { problem: string; file: string }[];
    const altered = problems.filter((p) => p.file.includes('/reviews/'));
    expect(altered.map((p) => p.problem)).toEqual(['bad-signature']);
    expect(altered[0]!.file).toMatch(/reviews\/github-2026-03-31-[0-9a-f]{8}\/\d{8}T\d{9}Z-decisions\.json$/);
  }, 300_000);

  it('a review record whose signature is removed is reported unsigned, and its campaign no longer passes', async () => {
    const id = (await readdir(path.join(store, 'reviews'))).find((c) => c.startsWith('aws-'))!;
    const campaignFile = (await readdir(path.join(store, 'reviews', id))).find((f) =>
      f.endsWith('-campaign.json'),
    )!;
    await unlink(path.join(store, 'reviews', id, `${campaignFile}.sig`));
    const run = await cli(
      ['verify', '--from', '2026-03-31', '--to', '2026-04-10', '--json'],
      '2026-04-12T12:00:00.000Z',
    );
    expect(run.code).toBe(1);
    const result = JSON.parse(run.stdout);
    expect(
      result.integrity
        .filter((p: { key: string }) => p.key === `reviews/${id}/${campaignFile}`)
        .map((p: { problem: string }) => p.problem),
    ).toEqual(['unsigned']);
    // Without a campaign record that stands, the Q2 AWS period has no campaign any more.
    expect(result.reviews.campaigns.map((c: { id: string }) => c.id)).not.toContain(id);
    const q2 = result.reviews.periods.find(
      (p: { system: string; period: { id: string } }) => p.system === 'aws' && p.period.id === '2026-Q2',
    );
    expect(q2.status).toBe('not-due');
    const closing = await cli(['review', 'close', '--campaign', id], '2026-04-12T12:05:00.000Z');
    expect(closing.code).toBe(1);
    expect(closing.stderr).toMatch(/the campaign record cannot be trusted: unsigned/);
  });
});

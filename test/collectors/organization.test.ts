/**
 * AWS Organizations discovery and the `organization` collector on the emulator: this file's
 * account is the management account of an organization with 20 member accounts in two OUs
 * (one nested), reached by AssumeRole into their own account ids.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountScopes, forgetAwsCredentials, regionalScopes } from '../../shared/aws/accounts.js';
import { awsScopeEnvironment } from '../../shared/aws/identity.js';
import { discoverOrganization, type OrganizationInventory } from '../../shared/aws/organization.js';
import { fixedClock } from '../../shared/clock.js';
import { guardDutyCollector } from '../../shared/collectors/guardduty/collector.js';
import { createIamCollector } from '../../shared/collectors/iam/collector.js';
import {
  type OrganizationData,
  organizationCollector,
} from '../../shared/collectors/organization/collector.js';
import { type RunResult, runCollectors } from '../../shared/collectors/runner.js';
import { planAwsRun, runAwsShard } from '../../shared/collectors/shards.js';
import type { AnyRunnableCollector } from '../../shared/collectors/types.js';
import { readSnapshot } from '../../shared/evidence/read.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { testAccountId } from '../helpers/aws.js';
import { awsTestConfig } from '../helpers/aws-collectors.js';
import { manualDeadline } from '../helpers/deadline.js';

const orgs = () => new OrganizationsClient({ region: 'us-east-1' });

interface Tree {
  rootId: string;
  prod: string;
  web: string;
  dev: string;
  /** OU id → account ids directly in it */
  members: Map<string, string[]>;
  closed: string;
}

async function createAccount(client: OrganizationsClient, name: string, parent: string, rootId: string) {
  const out = await client.send(
    new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
  );
  const id = out.CreateAccountStatus!.AccountId!;
  if (parent !== rootId) {
    await client.send(
      new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: parent }),
    );
  }
  return id;
}

/** Root → Prod (→ Web) and Dev; 6 accounts in Prod, 4 in Prod/Web, 10 in Dev; one more closed. */
async function buildOrganization(): Promise<Tree> {
  const client = orgs();
  await client.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const rootId = (await client.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const ou = async (name: string, parent: string) =>
    (await client.send(new CreateOrganizationalUnitCommand({ Name: name, ParentId: parent })))
      .OrganizationalUnit!.Id!;
  const prod = await ou('Prod', rootId);
  const web = await ou('Web', prod);
  const dev = await ou('Dev', rootId);
  const members = new Map<string, string[]>([
    [prod, []],
    [web, []],
    [dev, []],
  ]);
  const plan: [string, string, number][] = [
    ['prod', prod, 6],
    ['web', web, 4],
    ['dev', dev, 10],
  ];
  for (const [label, parent, n] of plan) {
    for (let i = 0; i < n; i++) {
      members.get(parent)!.push(await createAccount(client, `${label}-${i}`, parent, rootId));
    }
  }
  const closed = await createAccount(client, 'closed-0', dev, rootId);
  await client.send(new CloseAccountCommand({ AccountId: closed }));
  client.destroy();
  return { rootId, prod, web, dev, members, closed };
}

function ids(inventory: Pick<OrganizationInventory, 'accounts'>, inScope = true): string[] {
  return inventory.accounts.filter((a) => a.inScope === inScope).map((a) => a.id);
}

describe('AWS Organizations discovery (emulator)', () => {
  let tree: Tree;
  let management: string;
  beforeAll(async () => {
    management = testAccountId();
    tree = await buildOrganization();
  });
  afterAll(() => forgetAwsCredentials());

  it('every ACTIVE account with its OU path, walking nested OUs and every page', async () => {
    const inv = await discoverOrganization(
      { excludeOus: [], excludeAccounts: [] },
      { callerAccountId: management },
    );
    expect(inv.organization.managementAccountId).toBe(management);
    expect(inv.roots).toEqual([{ id: tree.rootId, name: 'Root' }]);
    expect(inv.ous.map((o) => o.id).sort()).toEqual([tree.prod, tree.web, tree.dev].sort());
    expect(inv.ous.find((o) => o.id === tree.web)).toMatchObject({
      name: 'Web',
      parentId: tree.prod,
      path: [tree.rootId, tree.prod, tree.web],
    });
    // 20 members + the management account in scope; the closed one recorded, not collected.
    expect(inv.accounts).toHaveLength(22);
    expect(ids(inv).sort()).toEqual([management, ...[...tree.members.values()].flat()].sort());
    expect(inv.accounts.find((a) => a.id === tree.closed)).toMatchObject({
      status: 'SUSPENDED',
      inScope: false,
      excludedBy: 'status',
    });
    const web0 = inv.accounts.find((a) => a.name === 'web-0')!;
    expect(web0).toMatchObject({
      ouPath: [tree.rootId, tree.prod, tree.web],
      ouNames: 'Root/Prod/Web',
      status: 'ACTIVE',
      joinedMethod: 'CREATED',
      inScope: true,
    });
    expect(web0.joinedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(inv.accounts.find((a) => a.id === management)!.ouNames).toBe('Root');
    // Dev holds 11 accounts: more than the emulator's page of 20 accounts? no; but 3 OUs +
    // root, two listings each, plus DescribeOrganization and ListRoots.
    expect(inv.requests).toBe(2 + 4 * 2);
  });

  it('ous selects subtrees (recursively); excludeOus and excludeAccounts drop accounts, saying why', async () => {
    const prodOnly = await discoverOrganization(
      { ous: [tree.prod], excludeOus: [], excludeAccounts: [] },
      { callerAccountId: management },
    );
    expect(ids(prodOnly).sort()).toEqual(
      [...tree.members.get(tree.prod)!, ...tree.members.get(tree.web)!].sort(),
    );
    expect(prodOnly.accounts.find((a) => a.id === management)!.excludedBy).toBe('ous');

    const dropDev = tree.members.get(tree.prod)![0]!;
    const noDev = await discoverOrganization(
      { excludeOus: [tree.dev], excludeAccounts: [dropDev, '999999999999'] },
      { callerAccountId: management },
    );
    expect(ids(noDev)).not.toContain(dropDev);
    for (const id of tree.members.get(tree.dev)!) {
      expect(noDev.accounts.find((a) => a.id === id)!.excludedBy).toBe('excludeOus');
    }
    expect(noDev.accounts.find((a) => a.id === dropDev)!.excludedBy).toBe('excludeAccounts');
    expect(ids(noDev)).toHaveLength(1 + 6 + 4 - 1);
    expect(noDev.unknownExclusions).toEqual(['999999999999']);
  });

  it('an OU that is not in the organization is a ConfigError, not an empty scope', async () => {
    await expect(
      discoverOrganization(
        { ous: ['ou-zzzz-zzzzzzzz'], excludeOus: [], excludeAccounts: [] },
        { callerAccountId: management },
      ),
    ).rejects.toMatchObject({
      name: 'ConfigError',
      message: expect.stringMatching(/ou-zzzz-zzzzzzzz is not an OU/),
    });
  });

  it('an account outside any organization: SourceUnavailableError saying what to do', async () => {
    const outsider = '404040404040';
    const sts = new STSClient({ region: 'us-east-1' });
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${outsider}:role/x`, RoleSessionName: 't' }),
    );
    sts.destroy();
    const client = new OrganizationsClient({
      region: 'us-east-1',
      credentials: {
        accessKeyId: out.Credentials!.AccessKeyId!,
        secretAccessKey: out.Credentials!.SecretAccessKey!,
        sessionToken: out.Credentials!.SessionToken!,
      },
    });
    await expect(
      discoverOrganization({ excludeOus: [], excludeAccounts: [] }, { callerAccountId: outsider, client }),
    ).rejects.toMatchObject({
      name: 'SourceUnavailableError',
      message: expect.stringMatching(
        /account 404040404040 is not in an AWS organization.*remove aws\.organization/,
      ),
    });
    client.destroy();
  });

  it('a stopped walk (the shard deadline) is a SourceUnavailableError, never a shorter list', async () => {
    await expect(
      discoverOrganization(
        { excludeOus: [], excludeAccounts: [] },
        { callerAccountId: management, signal: AbortSignal.abort() },
      ),
    ).rejects.toMatchObject({ name: 'SourceUnavailableError', message: /discovery was stopped/ });
  });

  describe('collect over the organization', () => {
    const iam = createIamCollector({ sleep: async () => {} });
    const collectors: AnyRunnableCollector[] = [organizationCollector, iam, guardDutyCollector];
    const config = (extra: object = {}) =>
      awsTestConfig({ regions: ['eu-west-1'], organization: { ...extra } });

    async function collect(day: string, extra: object = {}) {
      const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'org-')));
      const summary = await runCollectors({
        config: config(extra),
        locker,
        collectors,
        clock: fixedClock(`${day}T00:05:00.000Z`),
        scopeEnvironment: awsScopeEnvironment,
      });
      const by = new Map<string, RunResult>(summary.results.map((r) => [`${r.collector}/${r.scope}`, r]));
      const org = await readSnapshot<OrganizationData>(locker, by.get('organization/aws-organization')!.key);
      return { summary, by, org: org.snapshot, locker };
    }

    it("one collect writes every account's snapshots (assumed into each) and the organization snapshot", async () => {
      const { summary, by, org, locker } = await collect('2026-04-20');
      const members = [...tree.members.values()].flat();
      const accounts = [management, ...members];
      expect(summary.results.filter((r) => r.status !== 'ok')).toEqual([]);
      expect([...by.keys()].sort()).toEqual(
        [
          'organization/aws-organization',
          ...accounts.map((a) => `iam/aws-${a}`),
          ...accounts.map((a) => `guardduty/aws-${a}-eu-west-1`),
        ].sort(),
      );
      expect(org.status).toBe('ok');
      expect(org.stats.items).toBe(21);
      expect(
        org.data.accounts
          .filter((a) => a.inScope)
          .map((a) => a.id)
          .sort(),
      ).toEqual([...accounts].sort());
      // Each member was read in its own account (AssumeRole into its id), not in the management's.
      const gd = await readSnapshot<{ accountId: string }>(
        locker,
        by.get(`guardduty/aws-${members[7]}-eu-west-1`)!.key,
      );
      expect(gd.snapshot.data.accountId).toBe(members[7]);
    });

    it('excluding an OU drops its accounts from the run and records them as excluded', async () => {
      const { by, org } = await collect('2026-04-20', { excludeOus: [tree.dev] });
      for (const id of tree.members.get(tree.dev)!) {
        expect(by.has(`iam/aws-${id}`)).toBe(false);
        expect(org.data.accounts.find((a) => a.id === id)).toMatchObject({
          inScope: false,
          excludedBy: 'excludeOus',
        });
      }
      expect(by.has(`iam/aws-${tree.members.get(tree.web)![0]}`)).toBe(true);
      expect(by.size).toBe(1 + 2 * 11);
    });

    it('an account added the next day is collected (and in the inventory) from that day on', async () => {
      const before = await collect('2026-04-21');
      const client = orgs();
      const added = await createAccount(client, 'added-next-day', tree.prod, tree.rootId);
      client.destroy();
      const after = await collect('2026-04-22');
      expect(before.by.has(`iam/aws-${added}`)).toBe(false);
      expect(before.org.data.accounts.map((a) => a.id)).not.toContain(added);
      expect(after.by.get(`iam/aws-${added}`)).toMatchObject({ status: 'ok' });
      expect(after.by.get(`guardduty/aws-${added}-eu-west-1`)).toMatchObject({ status: 'ok' });
      expect(after.org.data.accounts.find((a) => a.id === added)).toMatchObject({
        inScope: true,
        ouNames: 'Root/Prod',
      });
      tree.members.get(tree.prod)!.push(added);
    });

    it('fan-out: the plan writes the organization snapshot and cuts shards; each shard collects its accounts only', async () => {
      const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'org-')));
      const clock = fixedClock('2026-04-23T00:05:00.000Z');
      const plan = await planAwsRun({
        config: config(),
        locker,
        collectors,
        clock,
        scopeEnvironment: awsScopeEnvironment,
        shardAccounts: 4,
      });
      expect(plan.organization.results.map((r) => `${r.collector}/${r.scope}/${r.status}`)).toEqual([
        'organization/aws-organization/ok',
      ]);
      const inScope = plan.environment.organization!.accounts.filter((a) => a.inScope).map((a) => a.id);
      // Every in-scope account once, the credentials' own account first (as an unsharded run).
      const cut = plan.shards.flatMap((s) => s.accounts);
      expect([...cut].sort()).toEqual([...inScope].sort());
      expect(cut[0]).toBe(management);
      expect(plan.shards.every((s) => s.accounts.length <= 4)).toBe(true);
      const shard = plan.shards[1]!;
      const run = await runAwsShard({
        config: config(),
        locker,
        collectors,
        clock,
        shard,
        defaultAccountId: plan.environment.defaultAccountId!,
      });
      expect(run.results.map((r) => `${r.collector}/${r.scope}`).sort()).toEqual(
        [
          ...shard.accounts.map((a) => `iam/aws-${a}`),
          ...shard.accounts.map((a) => `guardduty/aws-${a}-eu-west-1`),
        ].sort(),
      );
      expect(run.results.every((r) => r.status === 'ok')).toBe(true);
    });

    it('fan-out: aws.accounts outside the organization are cut into shards too; every account once, own first', async () => {
      const outside = '404040404041';
      const member = tree.members.get(tree.dev)![0]!;
      const withOutside = awsTestConfig({
        regions: ['eu-west-1'],
        organization: {},
        accounts: [
          { id: outside, name: 'outside' },
          { id: member, name: 'renamed-dev-0' },
        ],
      });
      const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'org-')));
      const clock = fixedClock('2026-04-23T00:05:00.000Z');
      const plan = await planAwsRun({
        config: withOutside,
        locker,
        collectors,
        clock,
        scopeEnvironment: awsScopeEnvironment,
        shardAccounts: 4,
      });
      const inScope = plan.environment.organization!.accounts.filter((a) => a.inScope).map((a) => a.id);
      const all = plan.shards.flatMap((s) => s.accounts);
      expect(all[0]).toBe(management);
      expect(all.at(-1)).toBe(outside);
      expect([...all].sort()).toEqual([...inScope, outside].sort());
      expect(new Set(all).size).toBe(all.length);

      const results: RunResult[] = [];
      for (const shard of plan.shards) {
        const run = await runAwsShard({
          config: withOutside,
          locker,
          collectors,
          clock,
          shard,
          defaultAccountId: plan.environment.defaultAccountId!,
        });
        results.push(...run.results);
      }
      expect(results.filter((r) => r.status !== 'ok')).toEqual([]);
      expect(results.map((r) => `${r.collector}/${r.scope}`).sort()).toEqual(
        [...all.map((a) => `iam/aws-${a}`), ...all.map((a) => `guardduty/aws-${a}-eu-west-1`)].sort(),
      );
      // The outsider was read in its own account, through the configured role.
      const gd = results.find((r) => r.scope === `aws-${outside}-eu-west-1`)!;
      expect((await readSnapshot<{ accountId: string }>(locker, gd.key)).snapshot.data.accountId).toBe(
        outside,
      );
    });

    it('a shard that hits its deadline writes error snapshots that say so; the rest of it is kept', async () => {
      const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'org-')));
      const clock = fixedClock('2026-04-23T00:05:00.000Z');
      const plan = await planAwsRun({
        config: config(),
        locker,
        collectors,
        clock,
        scopeEnvironment: awsScopeEnvironment,
      });
      const shard = plan.shards[0]!;
      // IAM never answers in this shard; the deadline ends the wait. It comes (the test fires
      // it) once GuardDuty has written in every account of the shard, however slow the machine.
      const hanging: AnyRunnableCollector = { ...iam, collect: () => new Promise(() => {}) };
      const deadline = manualDeadline();
      let guardDuty = 0;
      const run = await runAwsShard({
        config: config(),
        locker,
        collectors: [organizationCollector, hanging, guardDutyCollector],
        clock,
        shard,
        defaultAccountId: plan.environment.defaultAccountId!,
        deadline: new Date(clock.now().getTime() + 1_000),
        deadlineTimer: deadline.timer,
        onResult: (result) => {
          if (result.collector === 'guardduty' && ++guardDuty === shard.accounts.length) deadline.fire();
        },
      });
      expect(run.results.map((r) => `${r.collector}/${r.scope}`).sort()).toEqual(
        [
          ...shard.accounts.map((a) => `iam/aws-${a}`),
          ...shard.accounts.map((a) => `guardduty/aws-${a}-eu-west-1`),
        ].sort(),
      );
      for (const r of run.results.filter((x) => x.collector === 'iam')) {
        expect(r.status).toBe('error');
        expect(r.error).toMatch(/deadline/);
        expect((await readSnapshot(locker, r.key)).snapshot.status).toBe('error');
      }
    });

    it('a failed discovery: the organization snapshot is an error; the other AWS collectors say why, write nothing', async () => {
      const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'org-')));
      const summary = await runCollectors({
        config: config({ ous: ['ou-zzzz-zzzzzzzz'] }),
        locker,
        collectors,
        clock: fixedClock('2026-04-20T00:05:00.000Z'),
        scopeEnvironment: awsScopeEnvironment,
      });
      expect(summary.results.map((r) => [r.collector, r.scope, r.status])).toEqual([
        ['organization', 'aws-organization', 'error'],
      ]);
      expect(summary.results[0]!.error).toMatch(/ou-zzzz-zzzzzzzz is not an OU/);
      expect(summary.skipped).toEqual([
        expect.objectContaining({
          source: 'aws',
          collectors: ['iam', 'guardduty'],
          reason: expect.stringMatching(/organization was not discovered: .*ou-zzzz-zzzzzzzz is not an OU/),
        }),
      ]);
    });
  });

  it('without aws.organization the organization collector is not selected', async () => {
    const { selectCollectors } = await import('../../shared/collectors/runner.js');
    const plain = awsTestConfig({ regions: ['eu-west-1'] });
    expect(
      selectCollectors(plain, undefined, [organizationCollector, guardDutyCollector]).map((c) => c.id),
    ).toEqual(['guardduty']);
    expect(() => selectCollectors(plain, ['organization'], [organizationCollector])).toThrow(
      /does not enable this collector \(organization needs aws\.organization\)/,
    );
  });
});

describe('AWS scopes from an organization (pure)', () => {
  const inventory = {
    accounts: [
      { id: '111111111111', name: 'mgmt', inScope: true },
      { id: '222222222222', name: 'prod', inScope: true },
      { id: '333333333333', name: 'gone', inScope: false },
    ],
  } as unknown as OrganizationInventory;
  const config = awsTestConfig({
    regions: ['us-east-1'],
    organization: {},
    accounts: [
      { id: '222222222222', externalId: 'ext-prod', roleName: 'Custom' },
      { id: '444444444444', name: 'outside' },
    ],
  });

  it('own account without a role, members by role (an aws.accounts entry refines one), outsiders after', () => {
    const env = { defaultAccountId: '111111111111', organization: inventory };
    expect(accountScopes(config, env)).toEqual([
      { id: 'aws-111111111111', accountId: '111111111111', name: 'mgmt', regions: ['us-east-1'] },
      {
        id: 'aws-222222222222',
        accountId: '222222222222',
        name: 'prod',
        roleArn: 'arn:aws:iam::222222222222:role/Custom',
        externalId: 'ext-prod',
        regions: ['us-east-1'],
      },
      {
        id: 'aws-444444444444',
        accountId: '444444444444',
        name: 'outside',
        roleArn: 'arn:aws:iam::444444444444:role/EvidenceLockerCollector',
        regions: ['us-east-1'],
      },
    ]);
    expect(regionalScopes(config, env).map((s) => s.id)).toEqual([
      'aws-111111111111-us-east-1',
      'aws-222222222222-us-east-1',
      'aws-444444444444-us-east-1',
    ]);
  });

  it('without a discovered organization the scopes throw, naming the reason', () => {
    const env = { defaultAccountId: '111111111111', organizationError: new Error('AccessDenied: nope') };
    expect(() => accountScopes(config, env)).toThrow(/not discovered: AccessDenied: nope/);
  });
});

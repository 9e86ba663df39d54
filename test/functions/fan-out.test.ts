/**
 * The fan-out's two Lambda handlers (functions/plan.ts, functions/shard.ts) against the
 * emulator, as the state machine runs them: the plan on the Scheduler's input, then every
 * shard on exactly the input the synthesized definition's ItemSelector builds from the plan's
 * output (Step Functions cannot run locally: test/helpers/state-machine.ts applies the
 * selector). This file's account is the management account of an organization with 6 member
 * accounts in two OUs, reached by AssumeRole into their ids; one more account is listed in
 * aws.accounts outside the organization. Locker: an Object-Lock bucket on the emulator.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PlanOutput, handler as planHandler } from '../../functions/plan.js';
import type { ShardOutput, handler as shardHandler } from '../../functions/shard.js';
import { SHARD_COLLECTORS } from '../../functions/shard.js';
import { forgetAwsCredentials } from '../../shared/aws/accounts.js';
import { s3ClientOptions } from '../../shared/aws/clients.js';
import type { OrganizationInventory } from '../../shared/aws/organization.js';
import { fixedClock } from '../../shared/clock.js';
import { createIamCollector } from '../../shared/collectors/iam/collector.js';
import { organizationCollector } from '../../shared/collectors/organization/collector.js';
import type { AnyRunnableCollector } from '../../shared/collectors/types.js';
import { type ConfigInput, parseConfig } from '../../shared/config.js';
import { readSnapshot } from '../../shared/evidence/read.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { openLocker } from '../../shared/locker/index.js';
import { listAll } from '../../shared/locker/types.js';
import { silentLogger } from '../../shared/log.js';
import { createBucket, testAccountId } from '../helpers/aws.js';
import { manualDeadline } from '../helpers/deadline.js';
import { applySelector, type Json, stateMachineDefinition } from '../helpers/state-machine.js';
import { synthApp } from '../infra/synth.js';
import { schedulerEvent } from './scheduler-event.js';

const OUTSIDE = '404040404042';
const REGION = 'eu-west-1';
const s3 = new S3Client(s3ClientOptions());
let saved: NodeJS.ProcessEnv;
let management: string;
let prod: string[];
let dev: string[];
let devOu: string;
/** The synthesized definition's Distributed Map state. */
let mapState: Json;

const lambdaContext = (remainingMs: number) => ({ getRemainingTimeInMillis: () => remainingMs });

function configInput(organization: Json = {}): ConfigInput {
  return {
    locker: { retentionDays: 30 },
    aws: {
      regions: [REGION],
      organization,
      accounts: [{ id: OUTSIDE, name: 'outside' }],
      fanOut: { shardAccounts: 3, maxConcurrency: 2 },
    },
    auditPeriod: { start: '2026-01-01' },
    alerts: { none: true },
  };
}

async function buildOrganization(): Promise<void> {
  const client = new OrganizationsClient({ region: 'us-east-1' });
  await client.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
  const rootId = (await client.send(new ListRootsCommand({}))).Roots![0]!.Id!;
  const ou = async (name: string) =>
    (await client.send(new CreateOrganizationalUnitCommand({ Name: name, ParentId: rootId })))
      .OrganizationalUnit!.Id!;
  const prodOu = await ou('Prod');
  devOu = await ou('Dev');
  const account = async (name: string, parent: string) => {
    const out = await client.send(
      new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }),
    );
    const id = out.CreateAccountStatus!.AccountId!;
    await client.send(
      new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: parent }),
    );
    return id;
  };
  prod = [await account('prod-0', prodOu), await account('prod-1', prodOu), await account('prod-2', prodOu)];
  dev = [await account('dev-0', devOu), await account('dev-1', devOu), await account('dev-2', devOu)];
  client.destroy();
}

beforeAll(async () => {
  saved = { ...process.env };
  management = testAccountId();
  await buildOrganization();
  const { evidence } = synthApp({ ...configInput(), okta: undefined, github: undefined }, { verify: false });
  const { Template } = await import('aws-cdk-lib/assertions');
  mapState = stateMachineDefinition(Template.fromStack(evidence).toJSON().Resources, 'CollectAws').asl.States
    .Shards;
});

afterEach(() => {
  process.env = { ...saved };
  forgetAwsCredentials();
  vi.restoreAllMocks();
});

afterAll(() => s3.destroy());

/** Load both handler modules as Lambda does: fresh (cold start) under the functions' environment. */
async function coldStart(bucket: string, config: ConfigInput) {
  Object.assign(process.env, {
    EVIDENCE_STORE: `s3://${bucket}`,
    EVIDENCE_CONFIG_JSON: JSON.stringify(config),
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_METRICS_NAMESPACE: 'EvidenceLocker',
    POWERTOOLS_SERVICE_NAME: 'evidence-collect',
  });
  vi.resetModules();
  const plan: typeof planHandler = (await import('../../functions/plan.js')).handler;
  const shard: typeof shardHandler = (await import('../../functions/shard.js')).handler;
  return { plan, shard };
}

/** The EMF metric lines Powertools Metrics prints on stdout. */
function captureMetrics(): () => Json[] {
  const lines: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return () =>
    lines
      .flatMap((l) => l.split('\n'))
      .filter((l) => l.includes('"_aws"'))
      .map((l) => JSON.parse(l) as Json);
}

/** What the Distributed Map hands each item's execution: the ItemSelector over the plan's output. */
function shardEvents(plan: PlanOutput): Json[] {
  return plan.shards.map((shard, index) =>
    applySelector(mapState.ItemSelector, plan as unknown as Json, {
      Map: { Item: { Value: shard, Index: index } },
    }),
  );
}

/** The shard collectors this test's configuration turns on (`aws-identity-center` needs `aws.identityCenter`). */
const ON = SHARD_COLLECTORS.filter((c) => c.id !== 'aws-identity-center');

/** The series a shard writes for one account: one per shard collector, regional ones in REGION. */
function shardSeries(account: string): string[] {
  return ON.map((c) =>
    c.scopePattern === 'aws-<account>' ? `${c.id}/aws-${account}` : `${c.id}/aws-${account}-${REGION}`,
  );
}

describe('fan-out handlers (emulator)', () => {
  it("plan, then every shard as the map feeds it: every account's snapshots and the organization snapshot, one run, locked", async () => {
    const bucket = await createBucket({ objectLock: true });
    const { plan, shard } = await coldStart(bucket, configInput());
    const metrics = captureMetrics();

    const planned = await plan(schedulerEvent('2026-11-24T00:05:00Z'), lambdaContext(300_000));

    const members = [...prod, ...dev];
    const accounts = [management, ...members, OUTSIDE];
    expect(planned).toMatchObject({
      scheduledFor: '2026-11-24T00:05:00.000Z',
      defaultAccountId: management,
      organization: { status: 'ok', accounts: 7, inScope: 7 },
      accounts: 8,
    });
    // Shards of 3 account ids, the management account first, the outsider last; nothing else.
    expect(planned.shards.map((s) => s.accounts.length)).toEqual([3, 3, 2]);
    const cut = planned.shards.flatMap((s) => s.accounts);
    expect(cut[0]).toBe(management);
    expect(cut.at(-1)).toBe(OUTSIDE);
    expect([...cut].sort()).toEqual([...accounts].sort());
    expect(Object.keys(planned.shards[0]!).sort()).toEqual(['accounts', 'id']);

    const outputs: ShardOutput[] = [];
    for (const event of shardEvents(planned)) {
      expect(event).toEqual({
        shard: expect.objectContaining({ id: expect.stringMatching(/^shard-\d{4}$/) }),
        runId: planned.runId,
        defaultAccountId: management,
        scheduledFor: planned.scheduledFor,
      });
      outputs.push(await shard(event, lambdaContext(900_000)));
    }
    expect(outputs.map((o) => o.failed)).toEqual([0, 0, 0]);
    expect(outputs.reduce((n, o) => n + o.accounts, 0)).toBe(8);

    const locker = openLocker(`s3://${bucket}`);
    const keys = (await listAll(locker, 'snapshots/')).map((o) => o.key);
    const series = keys.map((k) => k.split('/').slice(2, 4).join('/')).sort();
    expect(series).toEqual(
      ['organization/aws-organization', ...accounts.flatMap((a) => shardSeries(a))].sort(),
    );
    for (const key of keys) {
      const { snapshot } = await readSnapshot(locker, key);
      expect(snapshot.runId, key).toBe(planned.runId);
      expect(snapshot.status, key).toBe('ok');
    }
    const outsider = keys.find((k) => k.includes(`/guardduty/aws-${OUTSIDE}-`))!;
    expect((await readSnapshot<{ accountId: string }>(locker, outsider)).snapshot.data.accountId).toBe(
      OUTSIDE,
    );
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: keys[0]! }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    // One EMF line per invocation, in the collector metrics (the CollectionsFailed alarm).
    const emf = metrics();
    expect(emf).toHaveLength(4);
    expect(emf.reduce((n, m) => n + (m.SnapshotsWritten as number), 0)).toBe(keys.length);
    expect(emf.every((m) => m.service === 'evidence-collect' && m.SnapshotsFailed === 0)).toBe(true);
  });

  it('listed accounts without an organization (aws.accounts past what one invocation collects): the same plan and shards, no organization snapshot', async () => {
    const bucket = await createBucket({ objectLock: true });
    const listed = [OUTSIDE, '404040404043', '404040404044'];
    const input = configInput();
    const { organization: _organization, ...aws } = input.aws!;
    const { plan, shard } = await coldStart(bucket, {
      ...input,
      aws: {
        ...aws,
        accounts: listed.map((id) => ({ id })),
        fanOut: { shardAccounts: 2, maxConcurrency: 2 },
      },
    });

    const planned = await plan(schedulerEvent('2026-11-24T00:05:00Z'), lambdaContext(300_000));

    expect(planned).toMatchObject({ defaultAccountId: management, organization: null, accounts: 4 });
    expect(planned.shards.map((s) => s.accounts)).toEqual([
      [management, listed[0]],
      [listed[1], listed[2]],
    ]);
    for (const event of shardEvents(planned)) {
      const out = await shard(event, lambdaContext(900_000));
      expect(out.failed).toBe(0);
    }
    const keys = (await listAll(openLocker(`s3://${bucket}`), 'snapshots/')).map((o) => o.key);
    const series = keys.map((k) => k.split('/').slice(2, 4).join('/')).sort();
    expect(series).toEqual([management, ...listed].flatMap((a) => shardSeries(a)).sort());
  });

  it('excluding an OU: the plan leaves its accounts out of every shard (and records them as excluded)', async () => {
    const bucket = await createBucket({ objectLock: true });
    const { plan } = await coldStart(bucket, configInput({ excludeOus: [devOu] }));
    captureMetrics();
    const planned = await plan(schedulerEvent('2026-11-24T00:05:00Z'), lambdaContext(300_000));
    const cut = planned.shards.flatMap((s) => s.accounts);
    expect([...cut].sort()).toEqual([management, ...prod, OUTSIDE].sort());
    expect(planned.organization).toMatchObject({ accounts: 7, inScope: 4 });
    const locker = openLocker(`s3://${bucket}`);
    const { snapshot } = await readSnapshot<{ accounts: { id: string; excludedBy?: string }[] }>(
      locker,
      planned.organization!.key,
    );
    for (const id of dev)
      expect(snapshot.data.accounts.find((a) => a.id === id)!.excludedBy).toBe('excludeOus');
  });

  it("a shard that reaches its deadline (the Lambda's remaining time less the margin) writes error snapshots that say so", async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = openLocker(`s3://${bucket}`);
    const config = parseConfig(configInput());
    const iam = createIamCollector({ sleep: async () => {} });
    // IAM never answers; the others do. The deadline comes (the test fires it) only once every
    // other collector's snapshot is in the locker, however slow the machine is.
    const hanging: AnyRunnableCollector = { ...iam, collect: () => new Promise(() => {}) };
    const collectors = [
      organizationCollector,
      ...SHARD_COLLECTORS.map((c) => (c.id === 'iam' ? hanging : c)),
    ];
    const deadline = manualDeadline();
    // One region: one snapshot per shard collector and account.
    const perShard = 3 * ON.length;
    const others = perShard - 3;
    let othersWritten = 0;
    const put = locker.put.bind(locker);
    locker.put = async (key, body, options) => {
      const written = await put(key, body, options);
      const collector = key.split('/')[2];
      if (collector !== 'organization' && collector !== 'iam' && ++othersWritten === others) deadline.fire();
      return written;
    };
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'EvidenceLocker';
    const clock = fixedClock('2026-11-24T00:05:30Z');
    const deps = { config, locker, collectors, logger: silentLogger, clock, deadlineTimer: deadline.timer };
    const { createHandler: createPlan } = await import('../../functions/plan.js');
    const { createHandler: createShard } = await import('../../functions/shard.js');
    captureMetrics();
    const planned = await createPlan(deps)(schedulerEvent('2026-11-24T00:05:00Z'));
    const [event] = shardEvents(planned);

    const out = await createShard(deps)(event, lambdaContext(36_000));

    // The deadline the shard waited for: 36 s remaining less the 30 s margin.
    expect(new Set(deadline.deadlines.map((d) => d.toISOString()))).toEqual(
      new Set(['2026-11-24T00:05:36.000Z']),
    );
    expect(othersWritten).toBe(others);
    const accounts = planned.shards[0]!.accounts;
    expect(out).toMatchObject({ shard: 'shard-0001', accounts: 3, snapshots: perShard, failed: 3 });
    const keys = (await listAll(locker, 'snapshots/'))
      .map((o) => o.key)
      .filter((k) => !k.includes('/organization/'));
    expect(keys).toHaveLength(perShard);
    for (const key of keys) {
      const { snapshot } = await readSnapshot(locker, key);
      if (snapshot.collector === 'iam') {
        expect(snapshot.status).toBe('error');
        expect(snapshot.errors.join(' ')).toMatch(/deadline \(2026-11-24T00:05:36\.000Z\)/);
        expect(accounts.map((a) => `aws-${a}`)).toContain(snapshot.scope);
      } else {
        expect(snapshot.status, key).toBe('ok');
      }
    }
  });

  it("a shard that failed after its retries: the Catch's input records an error snapshot for each of its scopes, collecting nothing", async () => {
    const bucket = await createBucket({ objectLock: true });
    const locker = openLocker(`s3://${bucket}`);
    const config = parseConfig(configInput());
    // Any collection would be a bug in failure mode: every collector throws if it is asked.
    const untouchable = SHARD_COLLECTORS.map(
      (c): AnyRunnableCollector => ({
        ...c,
        collect: () => {
          throw new Error(`${c.id} collected in failure mode`);
        },
      }),
    );
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'EvidenceLocker';
    const { createHandler: createPlan } = await import('../../functions/plan.js');
    const { createHandler: createShard } = await import('../../functions/shard.js');
    const metrics = captureMetrics();
    const planned = await createPlan({
      config,
      locker,
      collectors: [organizationCollector],
      logger: silentLogger,
    })(schedulerEvent('2026-11-24T00:05:00Z'));
    const [event] = shardEvents(planned);
    // What the Catch (ResultPath $.failure) hands the "Record the failed shard" task.
    const catchState = mapState.ItemProcessor.States['Collect one shard'].Catch[0];
    expect(catchState.ResultPath).toBe('$.failure');
    const failure = { Error: 'Lambda.Unknown', Cause: 'The function ran out of memory\n  at shard' };

    const out = await createShard({ config, locker, collectors: untouchable, logger: silentLogger })(
      { ...event, failure },
      lambdaContext(900_000),
    );

    const accounts = planned.shards[0]!.accounts;
    // One region: one snapshot per shard collector and account, each an error.
    const all = 3 * ON.length;
    expect(out).toMatchObject({ shard: 'shard-0001', accounts: 3, snapshots: all, failed: all });
    const keys = (await listAll(locker, 'snapshots/'))
      .map((o) => o.key)
      .filter((k) => !k.includes('/organization/'));
    expect(keys).toHaveLength(all);
    for (const key of keys) {
      const { snapshot } = await readSnapshot(locker, key);
      expect(snapshot.status, key).toBe('error');
      expect(snapshot.runId).toBe(planned.runId);
      expect(snapshot.errors.join(' ')).toContain(
        'the shard failed after its retries (Lambda.Unknown: The function ran out of memory at shard)',
      );
      expect(
        accounts.some((a) => snapshot.scope.startsWith(`aws-${a}`)),
        snapshot.scope,
      ).toBe(true);
    }
    // Counted as failed collections: the CollectionsFailed alarm.
    expect(metrics().reduce((n, m) => n + ((m.SnapshotsFailed as number) ?? 0), 0)).toBe(all);
  });

  it('a plan whose discovery fails records the organization error and fails the invocation: no shard', async () => {
    const bucket = await createBucket({ objectLock: true });
    const { plan } = await coldStart(bucket, configInput({ ous: ['ou-zzzz-zzzzzzzz'] }));
    const metrics = captureMetrics();
    await expect(plan(schedulerEvent('2026-11-24T00:05:00Z'), lambdaContext(300_000))).rejects.toMatchObject({
      name: 'FanOutError',
      message: expect.stringMatching(/organization could not be discovered.*ou-zzzz-zzzzzzzz is not an OU/),
    });
    const locker = openLocker(`s3://${bucket}`);
    const keys = (await listAll(locker, 'snapshots/')).map((o) => o.key);
    expect(keys).toHaveLength(1);
    expect((await readSnapshot(locker, keys[0]!)).snapshot).toMatchObject({
      collector: 'organization',
      status: 'error',
    });
    expect(metrics()[0]).toMatchObject({ SnapshotsWritten: 1, SnapshotsFailed: 1 });
  });

  it("the plan's output (the map's items) stays under Step Functions' 256 KiB: 1,000 accounts fit, 13,000 are refused", async () => {
    const fakeOrganization = (n: number) =>
      ({
        organization: { id: 'o-abcdefghij', arn: null, managementAccountId: management, featureSet: 'ALL' },
        discoveredFrom: management,
        selection: { ous: null, excludeOus: [], excludeAccounts: [] },
        roots: [{ id: 'r-ab12', name: 'Root' }],
        ous: [],
        accounts: Array.from({ length: n }, (_, i) => ({
          id: i === 0 ? management : String(200_000_000_000 + i),
          name: `account-${i}`,
          status: 'ACTIVE',
          joinedMethod: 'CREATED',
          joinedAt: null,
          parentId: 'r-ab12',
          ouPath: ['r-ab12'],
          ouNames: 'Root',
          inScope: true,
        })),
        unknownExclusions: [],
        requests: 0,
      }) as unknown as OrganizationInventory;
    const config = parseConfig({ ...configInput(), aws: { regions: [REGION], organization: {} } });
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'EvidenceLocker';
    const { createHandler } = await import('../../functions/plan.js');
    captureMetrics();
    const plan = (n: number) =>
      createHandler({
        config,
        locker: new DirectoryLocker(mkdtempSync(path.join(tmpdir(), 'fan-out-'))),
        logger: silentLogger,
        scopeEnvironment: async () => ({ defaultAccountId: management, organization: fakeOrganization(n) }),
      })(schedulerEvent('2026-11-24T00:05:00Z'));

    const thousand = await plan(1_000);
    expect(thousand.shards).toHaveLength(200);
    expect(Buffer.byteLength(JSON.stringify(thousand))).toBeLessThan(30_000);
    await expect(plan(13_000)).rejects.toMatchObject({
      name: 'FanOutError',
      message: expect.stringMatching(
        /13000 accounts in 2600 shards: \d+ bytes, past Step Functions' 262144-byte/,
      ),
    });
  });

  it('a shard without the code of an AWS collector the configuration enables refuses to run (nothing silently uncollected)', async () => {
    const bucket = await createBucket({ objectLock: true });
    const { createHandler } = await import('../../functions/shard.js');
    const shard = createHandler({
      config: parseConfig(configInput()),
      locker: openLocker(`s3://${bucket}`),
      logger: silentLogger,
      collectors: SHARD_COLLECTORS.filter((c) => c.id === 'iam' || c.id === 'guardduty'),
    });
    await expect(
      shard({
        shard: { id: 'shard-0001', accounts: [management] },
        runId: '0123456789ab',
        defaultAccountId: management,
      }),
    ).rejects.toMatchObject({
      name: 'FanOutError',
      message: expect.stringMatching(
        new RegExp(
          `no code for the AWS collectors ${ON.filter((c) => c.id !== 'iam' && c.id !== 'guardduty')
            .map((c) => c.id)
            .join(', ')}; run \`npm run docs\` \\(it writes functions/shard-collectors\\.generated\\.ts`,
        ),
      ),
    });
    expect(await listAll(openLocker(`s3://${bucket}`), 'snapshots/')).toEqual([]);
  });

  it('a shard item that is not what the ItemSelector builds is refused, naming the field', async () => {
    const bucket = await createBucket({ objectLock: true });
    const { shard } = await coldStart(bucket, configInput());
    await expect(
      shard({
        shard: { id: 'shard-0001', accounts: ['12345'] },
        runId: '0123456789ab',
        defaultAccountId: management,
      }),
    ).rejects.toMatchObject({
      name: 'FanOutError',
      message: expect.stringMatching(/shard\.accounts\.0: expected a 12-digit/),
    });
  });
});

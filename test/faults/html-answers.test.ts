/**
 * Every real collector against an endpoint that answers an HTML page with status 200 (a captive
 * portal, a proxy's error or login page) for every request: each records a failed collection
 * (`error`) whose message names the problem, never `ok` and never an empty snapshot counted as a
 * day (issue 20, item 4). The collectors are the registered implementations as the CLI loads
 * them, pointed at the page through their ordinary settings (AWS_ENDPOINT_URL, the Okta org URL,
 * GITHUB_API_URL / GITHUB_GRAPHQL_URL); nothing else is stubbed.
 */
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { IAMClient, ListUsersCommand } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { refuseWebPages } from '../../shared/aws/clients.js';
import { discoverOrganization } from '../../shared/aws/organization.js';
import { fixedClock } from '../../shared/clock.js';
import { loadCollectors } from '../../shared/collectors/implementations.js';
import { COLLECTORS } from '../../shared/collectors/registry.js';
import { type RunResult, runCollectors } from '../../shared/collectors/runner.js';
import { isEnabled } from '../../shared/collectors/types.js';
import { type Config, parseConfig } from '../../shared/config.js';
import { readSnapshot } from '../../shared/evidence/read.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { silentLogger } from '../../shared/log.js';
import { forgetSecrets } from '../../shared/secrets.js';

/** A configuration with every collector's section known (as the CLI parses it). */
function testConfig(extra: object): Config {
  return parseConfig(
    { locker: { retentionDays: 730 }, auditPeriod: { start: '2026-01-01' }, ...extra },
    'test',
    COLLECTORS,
  );
}

const PAGE =
  '<!DOCTYPE html><html><head><title>Sign in to Guest Wi-Fi</title></head><body>Accept the terms to continue</body></html>';
const ACCOUNT = '123456789012';

/** What the endpoint answers, with 200, to every request. */
interface Junk {
  /** The Content-Type header; undefined: none. */
  type: string | undefined;
  body: string;
}

const PORTAL: Junk = { type: 'text/html; charset=utf-8', body: PAGE };

/** Answers every request, whatever its method and path, with `junk` and 200. */
async function startPortal(
  junk: Junk = PORTAL,
): Promise<{ url: string; requests: () => number; stop(): Promise<void> }> {
  let requests = 0;
  const server: Server = createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, junk.type === undefined ? {} : { 'content-type': junk.type });
      res.end(junk.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const VARIABLES = [
  'AWS_ENDPOINT_URL',
  'GITHUB_API_URL',
  'GITHUB_GRAPHQL_URL',
  'GITHUB_TOKEN',
  'OKTA_API_TOKEN',
];

describe('an endpoint that answers an HTML page with 200 (captive portal, proxy page)', () => {
  let portal: Awaited<ReturnType<typeof startPortal>>;
  const saved: Record<string, string | undefined> = {};

  beforeAll(async () => {
    portal = await startPortal();
    for (const name of VARIABLES) saved[name] = process.env[name];
    process.env.AWS_ENDPOINT_URL = portal.url;
    process.env.GITHUB_API_URL = portal.url;
    process.env.GITHUB_GRAPHQL_URL = `${portal.url}/graphql`;
    process.env.GITHUB_TOKEN = 'ghp_portaltest0000000000000000000000000000';
    process.env.OKTA_API_TOKEN = '00portaltest000000000000000000000000000000';
  });

  afterAll(async () => {
    for (const name of VARIABLES) {
      if (saved[name] === undefined) delete process.env[name];
      else process.env[name] = saved[name];
    }
    forgetSecrets();
    await portal.stop();
  });

  /** Runs `collectors` once into a fresh locker; the written snapshot of each result. */
  async function run(config: Config, environment: () => Promise<object>) {
    const collectors = await loadCollectors(COLLECTORS.filter((c) => isEnabled(c, config)));
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'html-answers-')));
    const summary = await runCollectors({
      config,
      locker,
      collectors,
      clock: fixedClock('2026-04-20T00:05:00.000Z'),
      logger: silentLogger,
      runId: 'htmlpage0001',
      scopeEnvironment: environment,
    });
    const written = await Promise.all(
      summary.results.map(async (r: RunResult) => ({
        result: r,
        snapshot: (await readSnapshot(locker, r.key)).snapshot,
      })),
    );
    return { collectors, summary, written };
  }

  it('every collector records an error naming the problem; none is ok, none an empty day', async () => {
    const config = testConfig({
      aws: { regions: ['us-east-1'], identityCenter: { region: 'us-east-1' } },
      okta: { orgUrl: portal.url, privilegedGroups: ['Administrators'] },
      github: {
        org: 'acme',
        changes: { records: { repository: 'acme/changes', path: 'changes' } },
        vulnerabilities: {},
      },
    });
    // The account is given (its STS call would fail the same way and skip every AWS collector).
    const { collectors, summary, written } = await run(config, async () => ({ defaultAccountId: ACCOUNT }));

    // Every registered collector but organization (aws.organization: below) ran, each scope once.
    expect(collectors.map((c) => c.id).sort()).toEqual(
      COLLECTORS.map((c) => c.id)
        .filter((id) => id !== 'organization')
        .sort(),
    );
    expect(summary.skipped).toEqual([]);
    expect(new Set(summary.results.map((r) => r.collector))).toEqual(new Set(collectors.map((c) => c.id)));
    expect(portal.requests()).toBeGreaterThan(0);
    for (const { result, snapshot } of written) {
      const what = `${result.collector} ${result.scope}: ${result.error ?? '(no error)'}`;
      expect(result.status, what).toBe('error');
      expect(snapshot.status, what).toBe('error');
      // (A collection that read nothing keeps what it tried, for diagnosis; it counts as failed.)
      // Named: the endpoint, and that it answered a web page instead of the API's answer.
      expect(result.error, what).toContain(portal.url.replace(/^http:\/\//, ''));
      expect(result.error, what).toMatch(/text\/html/);
      // The credentials never reach the record.
      expect(JSON.stringify(snapshot), what).not.toMatch(/ghp_portaltest|00portaltest/);
    }
  });

  it('organization: the discovery that met the page is the error of the organization snapshot', async () => {
    const config = testConfig({ aws: { regions: ['us-east-1'], organization: {} } });
    const { summary, written } = await run(config, async () => {
      try {
        const organization = await discoverOrganization(config.aws!.organization!, {
          callerAccountId: ACCOUNT,
        });
        return { defaultAccountId: ACCOUNT, organization };
      } catch (err) {
        return { defaultAccountId: ACCOUNT, organizationError: err as Error };
      }
    });
    const org = written.find((w) => w.result.collector === 'organization');
    expect(org?.result.status, org?.result.error).toBe('error');
    expect(org?.snapshot.data).toBeNull();
    expect(org?.result.error).toMatch(
      /WebPageAnswerError: .* answered HTTP 200 with a web page \(text\/html; charset=utf-8\), not an AWS API answer: a proxy, captive portal or login page stands in the way/,
    );
    // The account collectors have no scopes without the organization: skipped and reported, never ok.
    expect(summary.results.filter((r) => r.status !== 'error')).toEqual([]);
    expect(summary.skipped.flatMap((s) => s.collectors).length).toBeGreaterThan(0);
  });
});

/**
 * The same for other junk a proxy answers with 200 where an AWS API answer belongs (issue 20's
 * leftover): the SDK's XML parsers read a text/plain page, or an empty body, as an answer with
 * nothing in it, which would be recorded as an empty complete snapshot. Every AWS collector
 * records a failed collection naming the endpoint and what it answered instead.
 */
describe.each([
  {
    what: 'a text/plain page',
    junk: {
      type: 'text/plain; charset=utf-8',
      body: 'Access denied by proxy policy. Contact your administrator.\n',
    },
    named: /answered HTTP 200 with text \(text\/plain; charset=utf-8\), not an AWS API answer/,
  },
  {
    what: 'an empty body labelled text/plain',
    junk: { type: 'text/plain', body: '' },
    named: /answered HTTP 200 with an empty body \(text\/plain\), not an AWS API answer/,
  },
  {
    what: 'an empty body without a Content-Type',
    junk: { type: undefined, body: '' },
    named: /answered HTTP 200 with an empty body \(no Content-Type\), not an AWS API answer/,
  },
  {
    what: 'a plain-text page without a Content-Type',
    junk: { type: undefined, body: 'OK' },
    named: /answered HTTP 200 with text \(no Content-Type\), not an AWS API answer/,
  },
])('an AWS endpoint that answers $what with 200', ({ junk, named }) => {
  let portal: Awaited<ReturnType<typeof startPortal>>;
  let saved: string | undefined;

  beforeAll(async () => {
    portal = await startPortal(junk);
    saved = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = portal.url;
  });

  afterAll(async () => {
    if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
    else process.env.AWS_ENDPOINT_URL = saved;
    await portal.stop();
  });

  it('every AWS collector records an error naming it; none is ok, none an empty complete snapshot', async () => {
    const config = testConfig({ aws: { regions: ['us-east-1'], identityCenter: { region: 'us-east-1' } } });
    const collectors = await loadCollectors(COLLECTORS.filter((c) => isEnabled(c, config)));
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'junk-answers-')));
    const summary = await runCollectors({
      config,
      locker,
      collectors,
      clock: fixedClock('2026-04-20T00:05:00.000Z'),
      logger: silentLogger,
      runId: 'junkpage0001',
      scopeEnvironment: async () => ({ defaultAccountId: ACCOUNT }),
    });
    expect(collectors.map((c) => c.id).sort()).toEqual(
      COLLECTORS.filter((c) => c.source === 'aws' && c.id !== 'organization')
        .map((c) => c.id)
        .sort(),
    );
    expect(summary.skipped).toEqual([]);
    expect(new Set(summary.results.map((r) => r.collector))).toEqual(new Set(collectors.map((c) => c.id)));
    expect(portal.requests()).toBeGreaterThan(0);
    for (const result of summary.results) {
      const what = `${result.collector} ${result.scope}: ${result.error ?? '(no error)'}`;
      expect(result.status, what).toBe('error');
      expect((await readSnapshot(locker, result.key)).snapshot.status, what).toBe('error');
      expect(result.error, what).toContain(portal.url.replace(/^http:\/\//, ''));
      expect(result.error, what).toMatch(named);
    }
  });

  it('organization: the discovery that met it is the error of the organization snapshot', async () => {
    const config = testConfig({ aws: { regions: ['us-east-1'], organization: {} } });
    const error = await discoverOrganization(config.aws!.organization!, { callerAccountId: ACCOUNT }).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(error?.name).toBe('WebPageAnswerError');
    expect(error?.message).toMatch(named);
  });
});

/**
 * The guard is narrow: what an API (or the emulator) really answers goes through unchanged. The
 * emulator labels some XML and JSON answers text/html; a REST API may answer an empty JSON body.
 */
describe('answers the guard lets through', () => {
  const creds = { accessKeyId: 'AKIAGUARDTEST0000000', secretAccessKey: 'guard-test-secret' };

  async function withAnswer<T>(junk: Junk, call: (endpoint: string) => Promise<T>): Promise<T> {
    const server = await startPortal(junk);
    try {
      return await call(server.url);
    } finally {
      await server.stop();
    }
  }

  it('XML labelled text/html (the emulator) is parsed as the answer', async () => {
    const xml =
      '<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult><IsTruncated>false</IsTruncated><Users><member><UserName>alice</UserName><UserId>AIDAALICE</UserId><Arn>arn:aws:iam::123456789012:user/alice</Arn><Path>/</Path><CreateDate>2026-01-01T00:00:00Z</CreateDate></member></Users></ListUsersResult></ListUsersResponse>';
    const users = await withAnswer({ type: 'text/html; charset=utf-8', body: xml }, async (endpoint) => {
      const iam = new IAMClient({ region: 'us-east-1', endpoint, credentials: creds, maxAttempts: 1 });
      refuseWebPages(iam);
      try {
        return (await iam.send(new ListUsersCommand({}))).Users?.map((u) => u.UserName);
      } finally {
        iam.destroy();
      }
    });
    expect(users).toEqual(['alice']);
  });

  it('JSON labelled text/html, and an empty application/json body to a REST call, are answers', async () => {
    const call = (junk: Junk) =>
      withAnswer(junk, async (endpoint) => {
        const gd = new GuardDutyClient({ region: 'us-east-1', endpoint, credentials: creds, maxAttempts: 1 });
        refuseWebPages(gd);
        try {
          return (await gd.send(new ListDetectorsCommand({}))).DetectorIds;
        } finally {
          gd.destroy();
        }
      });
    expect(await call({ type: 'text/html', body: '{"detectorIds":["d1"]}' })).toEqual(['d1']);
    expect(await call({ type: 'application/json', body: '' })).toBeUndefined();
  });

  it('an empty body to a query call is refused, whatever its label', async () => {
    const error = await withAnswer({ type: 'text/xml', body: '' }, async (endpoint) => {
      const iam = new IAMClient({ region: 'us-east-1', endpoint, credentials: creds, maxAttempts: 1 });
      refuseWebPages(iam);
      try {
        return await iam.send(new ListUsersCommand({})).then(
          () => undefined,
          (err: Error) => err,
        );
      } finally {
        iam.destroy();
      }
    });
    expect(error?.name).toBe('WebPageAnswerError');
    expect(error?.message).toMatch(
      /answered HTTP 200 with an empty body \(text\/xml\), not an AWS API answer/,
    );
  });
});

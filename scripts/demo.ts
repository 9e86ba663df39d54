/**
 * `npm start` (scripts/start.sh, after installing what it needs): the whole product on a
 * laptop, with no cloud account. Starts the local AWS emulator seeded with a small fictional
 * organisation and the local Okta and GitHub servers, then runs the real CLI in-process: collect over several days
 * (a fixed clock per day), seal each day, verify the window, sample every control into a
 * workpaper, and write the HTML report. Everything goes into a throw-away directory (.demo/ by default).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CloudTrailClient, CreateTrailCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import {
  ConfigServiceClient,
  PutConfigurationRecorderCommand,
  PutDeliveryChannelCommand,
  StartConfigurationRecorderCommand,
} from '@aws-sdk/client-config-service';
import { CreateTableCommand, DynamoDBClient, UpdateContinuousBackupsCommand } from '@aws-sdk/client-dynamodb';
import { EC2Client, EnableEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import { CreateDetectorCommand, GuardDutyClient } from '@aws-sdk/client-guardduty';
import {
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { EnableCommand, Inspector2Client } from '@aws-sdk/client-inspector2';
import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';
import {
  CreateBucketCommand,
  PutBucketEncryptionCommand,
  PutPublicAccessBlockCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { main } from '../shared/cli/main.js';
import type { Streams } from '../shared/cli/output.js';
import { type Clock, fixedClock, systemClock } from '../shared/clock.js';
import { addDays, dayOf } from '../shared/evidence/days.js';
import { fileSigner } from '../shared/evidence/signing.js';
import { createStreamLogger } from '../shared/log.js';
import { parseCsv } from '../shared/review/sheets.js';
import { CSV_BOM, csvRow } from '../shared/sample/csv.js';
import {
  type CommitFixture,
  DEFAULT_GITHUB_TOKEN,
  legacyProtection,
  makeGitHubOrg,
  type PullRequestFixture,
  type RepoFixture,
  startGitHubServer,
} from '../test/servers/github-server.js';
import {
  accessPolicy,
  DEFAULT_OKTA_TOKEN,
  factor,
  makeOktaOrg,
  oktaId,
  startOktaServer,
} from '../test/servers/okta-server.js';
import { type EmulatorWrapper, SUPPLIED, startEmulatorWrapper } from './demo-emulator.js';
import { type Emulator, startEmulator, useEmulatorAccount } from './emulator.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REGIONS = ['us-east-1', 'eu-west-1'] as const;
/** The regions enabled by default in the emulator's account (moto 5.2.5) besides REGIONS. */
const OTHER_ENABLED_REGIONS = [
  'af-south-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-south-1',
  'eu-west-2',
  'eu-west-3',
  'sa-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
] as const;
const CONTROLS = ['A1.2', 'CC6.1', 'CC6.2', 'CC7.1', 'CC7.2', 'CC8.1'] as const;

export interface DemoOptions {
  /** Where the locker, the config and the workpapers go (emptied first). Default: .demo/ */
  dir?: string;
  /** Evidence days to collect, ending yesterday (UTC). Default 4. */
  days?: number;
  /** Use this running emulator instead of starting one (tests). */
  emulatorUrl?: string;
  /** Progress lines for a person. Default: stdout. */
  print?: (line: string) => void;
  /** "Now" for the demo; evidence days end the day before. */
  clock?: Clock;
}

export interface DemoStep {
  command: string;
  code: number;
  output: string;
}

export interface DemoResult {
  dir: string;
  store: string;
  config: string;
  accountId: string;
  days: string[];
  sources: string[];
  steps: DemoStep[];
  workpapers: { control: string; dir: string; code: number }[];
  /** The workpaper of `sample --population users --strata department`. */
  people: { dir: string; code: number };
  /** The `sample --population changes` workpaper. */
  population: { dir: string; code: number };
  /** The Okta access review: its sheets and workpaper, the campaign id, `review close`'s exit code. */
  review: { dir: string; campaign?: string; code?: number };
  /** verify passed over the whole window: the demo's own proof that its locker is complete. */
  verified: boolean;
  /** The HTML report over the window. */
  report: string;
}

/** The tour's access review: ana reviews Acme's Okta users, the CISO reviews ana; dora is to be removed. */
export const DEMO_REVIEW = {
  admin: 'ana@acme.example',
  ciso: 'ciso@acme.example',
  removed: 'dora@acme.example',
} as const;

/** A reviewer's sheet filled in: `remove` for the accounts named, `keep` for every other row. */
export function fillSheet(csv: string, removals: readonly string[]): string {
  const [header, ...rows] = parseCsv(csv);
  const account = header!.indexOf('account');
  const decision = header!.indexOf('decision');
  const note = header!.indexOf('note');
  let out = CSV_BOM + csvRow(header!);
  for (const row of rows) {
    if (!row.some((cell) => cell !== '')) continue;
    const removed = removals.includes(row[account]!);
    row[decision] = removed ? 'remove' : 'keep';
    row[note] = removed ? 'no sign-in for 200 days: access no longer needed' : '';
    out += csvRow(row);
  }
  return out;
}

/**
 * Inspector's coverage in us-east-1: the web server, scanned an hour before `at`. moto has no
 * ListCoverage; the emulator's launcher answers it from what is planted here (replacing the
 * region's coverage), so the tour plants it again before each day's collection, as Inspector's
 * continuous rescans would keep it fresh.
 */
export async function plantInspectorCoverage(
  accountId: string,
  emulatorUrl: string,
  at: Date,
): Promise<void> {
  const res = await fetch(`${emulatorUrl}/moto-api/static/inspector2/coverage`, {
    method: 'POST',
    body: JSON.stringify({
      account_id: accountId,
      region: 'us-east-1',
      resources: [
        {
          resourceType: 'AWS_EC2_INSTANCE',
          resourceId: 'i-0acme0web0server01',
          accountId,
          scanType: 'PACKAGE',
          scanStatus: { statusCode: 'ACTIVE', reason: 'SUCCESSFUL' },
          lastScannedAt: Math.floor(at.getTime() / 1000) - 3_600,
          scanMode: 'EC2_SSM_AGENT_BASED',
        },
      ],
    }),
  });
  if (!res.ok) throw new Error(`the emulator refused the Inspector coverage: HTTP ${res.status}`);
}

/** The fictional organisation "Acme Widgets" in the emulator's AWS account. */
export async function seedAwsOrganisation(
  accountId: string,
  emulatorUrl: string,
  clock: Clock = systemClock,
): Promise<void> {
  const s3 = new S3Client({ region: 'us-east-1' });
  const logs = `acme-audit-logs-${accountId}`;
  // Both buckets encrypted by default; the logs bucket blocks public access, the marketing
  // site's bucket has no public access block (an exception to find: the account has none either).
  const site = `acme-marketing-site-${accountId}`;
  for (const bucket of [logs, site]) {
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
      }),
    );
  }
  await s3.send(
    new PutPublicAccessBlockCommand({
      Bucket: logs,
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        IgnorePublicAcls: true,
        BlockPublicPolicy: true,
        RestrictPublicBuckets: true,
      },
    }),
  );
  s3.destroy();

  // EBS encrypts new volumes by default in every region.
  for (const region of REGIONS) {
    const ec2 = new EC2Client({ region });
    await ec2.send(new EnableEbsEncryptionByDefaultCommand({}));
    ec2.destroy();
  }

  // RDS in us-east-1: the orders database is encrypted, the legacy reports database is not (the exception).
  const rds = new RDSClient({ region: 'us-east-1' });
  for (const [id, encrypted] of [
    ['acme-orders', true],
    ['acme-legacy-reports', false],
  ] as const) {
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        Engine: 'postgres',
        DBInstanceClass: 'db.t3.micro',
        AllocatedStorage: 20,
        MasterUsername: 'acme',
        MasterUserPassword: 'Demo-Only-Passw0rd!',
        StorageEncrypted: encrypted,
        BackupRetentionPeriod: 7,
      }),
    );
  }
  rds.destroy();

  // DynamoDB in us-east-1: sessions has point-in-time recovery, carts has none (the exception).
  const ddb = new DynamoDBClient({ region: 'us-east-1' });
  for (const table of ['acme-sessions', 'acme-carts']) {
    await ddb.send(
      new CreateTableCommand({
        TableName: table,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  }
  await ddb.send(
    new UpdateContinuousBackupsCommand({
      TableName: 'acme-sessions',
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
  ddb.destroy();

  // Inspector: scanning EC2, ECR and Lambda in us-east-1 (off in eu-west-1), with one ACTIVE
  // critical finding first observed 30 days ago (the exception: the SLA is 7 days). moto serves
  // ListFindings from a queue filled through its own API.
  const inspector = new Inspector2Client({ region: 'us-east-1' });
  await inspector.send(
    new EnableCommand({ accountIds: [accountId], resourceTypes: ['EC2', 'ECR', 'LAMBDA'] }),
  );
  inspector.destroy();
  const observed = Math.floor(clock.now().getTime() / 1000) - 30 * 86_400;
  const planted = await fetch(`${emulatorUrl}/moto-api/static/inspector2/findings-results`, {
    method: 'POST',
    body: JSON.stringify({
      account_id: accountId,
      region: 'us-east-1',
      results: [
        [
          {
            findingArn: `arn:aws:inspector2:us-east-1:${accountId}:finding/acme-openssl-critical`,
            awsAccountId: accountId,
            type: 'PACKAGE_VULNERABILITY',
            title: 'CVE-2026-31337 - openssl',
            description: 'A critical openssl vulnerability on the web server.',
            severity: 'CRITICAL',
            status: 'ACTIVE',
            firstObservedAt: observed,
            lastObservedAt: observed,
            resources: [{ id: 'i-0acme0web0server01', type: 'AWS_EC2_INSTANCE', region: 'us-east-1' }],
            packageVulnerabilityDetails: { vulnerabilityId: 'CVE-2026-31337', source: 'NVD' },
            fixAvailable: 'YES',
          },
        ],
      ],
    }),
  });
  if (!planted.ok) throw new Error(`the emulator refused the Inspector finding: HTTP ${planted.status}`);
  await plantInspectorCoverage(accountId, emulatorUrl, clock.now());

  // GuardDuty: on in us-east-1, created but switched off in eu-west-1 (the exception to find).
  for (const region of REGIONS) {
    const gd = new GuardDutyClient({ region });
    await gd.send(
      new CreateDetectorCommand({
        Enable: region === 'us-east-1',
        FindingPublishingFrequency: 'FIFTEEN_MINUTES',
      }),
    );
    gd.destroy();
  }

  // IAM: alice has a console password and MFA, bob a console password and no MFA, deploy-bot keys only.
  const iam = new IAMClient({ region: 'us-east-1' });
  for (const user of ['alice', 'bob', 'deploy-bot'])
    await iam.send(new CreateUserCommand({ UserName: user }));
  for (const user of ['alice', 'bob'])
    await iam.send(new CreateLoginProfileCommand({ UserName: user, Password: 'Demo-Only-Passw0rd!' }));
  const device = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice' }));
  await iam.send(
    new EnableMFADeviceCommand({
      UserName: 'alice',
      SerialNumber: device.VirtualMFADevice!.SerialNumber!,
      AuthenticationCode1: '123456',
      AuthenticationCode2: '654321',
    }),
  );
  await iam.send(new CreateAccessKeyCommand({ UserName: 'deploy-bot' }));
  iam.destroy();

  // CloudTrail: one multi-region trail, logging, with log-file validation.
  const ct = new CloudTrailClient({ region: 'us-east-1' });
  await ct.send(
    new CreateTrailCommand({
      Name: 'acme-org-trail',
      S3BucketName: logs,
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
      IncludeGlobalServiceEvents: true,
    }),
  );
  await ct.send(new StartLoggingCommand({ Name: 'acme-org-trail' }));
  ct.destroy();

  // AWS Config: a recorder for everything, recording, in each region.
  for (const region of REGIONS) {
    const cfg = new ConfigServiceClient({ region });
    await cfg.send(
      new PutConfigurationRecorderCommand({
        ConfigurationRecorder: {
          name: 'default',
          roleARN: `arn:aws:iam::${accountId}:role/aws-config-role`,
          recordingGroup: { allSupported: true, includeGlobalResourceTypes: region === 'us-east-1' },
        },
      }),
    );
    await cfg.send(
      new PutDeliveryChannelCommand({ DeliveryChannel: { name: 'default', s3BucketName: logs } }),
    );
    await cfg.send(new StartConfigurationRecorderCommand({ ConfigurationRecorderName: 'default' }));
    cfg.destroy();
  }
}

/**
 * Acme's Okta org as of `today`. The exceptions: Administrators holds a deprovisioned user (olaf)
 * and a dormant one (dora, last sign-in 200 days ago); pat has no MFA (a security question only);
 * the Admin Console's authentication policy lets the Contractors group in with one factor.
 */
export function acmeOktaOrg(today: string) {
  const recent = (hoursAgo: number) =>
    new Date(Date.parse(`${today}T00:00:00.000Z`) - hoursAgo * 3_600_000).toISOString();
  const org = makeOktaOrg({
    groups: 3,
    membersPerGroup: 4,
    domain: 'acme.example',
    named: [
      {
        name: 'Administrators',
        members: [
          { login: 'ana@acme.example', lastLogin: recent(30) },
          { login: 'olaf@acme.example', status: 'DEPROVISIONED' },
          { login: 'dora@acme.example', lastLogin: recent(200 * 24) },
        ],
      },
      {
        name: 'Contractors',
        members: [
          {
            login: 'cora@acme.example',
            lastLogin: recent(50),
            profile: { department: 'Engineering', employeeType: 'Contractor' },
          },
        ],
      },
      {
        name: 'Sales',
        members: [
          {
            login: 'pat@acme.example',
            lastLogin: recent(20),
            profile: { department: 'Sales', employeeType: 'Employee' },
            factors: [factor('question')],
          },
        ],
      },
    ],
  });
  // Everyone else signed in recently.
  for (const [i, u] of org.users.entries())
    if (u.lastLogin?.startsWith('2026-04-')) u.lastLogin = recent(10 + i);
  const contractors = org.groups.find((g) => g.name === 'Contractors')!;
  const adminConsole = org.policies!.find((p) => p.name === 'Okta Admin Console')!;
  adminConsole.rules.unshift({
    ...accessPolicy(adminConsole.id, 'x', oktaId('0pr', 900), '1FA', {
      groups: { include: [contractors.id] },
    }).rules[0]!,
    name: 'Contractors: password only',
  });
  adminConsole.rules.forEach((r, i) => {
    r.priority = i + 1;
  });
  return org;
}

/**
 * Acme's GitHub org: protected by legacy protection, a ruleset, the org ruleset; one not at all
 * (the exception). Members signed in through Okta (SAML): ana, and olaf, whom Okta
 * deprovisioned but who is still a member (the exception); bruno has no 2FA (the exception).
 * With `changeDay`, the changes of that day on repo-0001 (CC8.1): a reviewed
 * pull request, a self-approved one, an emergency change whose body names its record
 * CHG-2026-0522, an emergency change with no record, and a direct push; and the repository
 * `change-records` holding the seed's two records (test/fixtures/change-records/, dated to
 * the day): CHG-2026-0522 complete, CHG-2026-0418 missing its approval, evidence and review.
 */
export function acmeGitHubOrg(changeDay?: string) {
  const styles = ['legacy', 'ruleset', 'org', 'none'] as const;
  const org = makeGitHubOrg({
    login: 'acme',
    repos: styles.length,
    archived: 1,
    style: (i) => styles[i] ?? 'legacy',
  });
  org.members = [
    { login: 'ana-acme', role: 'ADMIN' },
    { login: 'bruno-acme', twoFactor: false },
    { login: 'olaf-acme' },
  ];
  org.saml = {
    identities: [
      { nameId: 'ana@acme.example', login: 'ana-acme' },
      { nameId: 'olaf@acme.example', login: 'olaf-acme' },
    ],
  };
  org.repos[0]!.outsideCollaborators = [{ login: 'contractor-acme', permission: 'READ' }];
  if (changeDay) {
    // CC7.1: a critical Dependabot alert open 30 days before the change day (SLA 7: the
    // exception), and one fixed the day before (evidence of remediation, no exception).
    org.repos[1]!.alerts = [
      {
        number: 1,
        state: 'open',
        severity: 'critical',
        package: 'jsonwebtoken',
        ghsaId: 'GHSA-acme-jwt0-crit',
        cveId: 'CVE-2026-40001',
        createdAt: `${addDays(changeDay, -30)}T09:00:00Z`,
      },
      {
        number: 2,
        state: 'fixed',
        severity: 'high',
        package: 'axios',
        ghsaId: 'GHSA-acme-axio-high',
        createdAt: `${addDays(changeDay, -5)}T09:00:00Z`,
        fixedAt: `${addDays(changeDay, -1)}T12:00:00Z`,
      },
    ];
    const changes = acmeChanges(changeDay);
    Object.assign(org.repos[0]!, changes.repo);
    org.repos.push(changes.records);
  }
  return org;
}

/** What `acmeGitHubOrg(day)` plants for CC8.1, by id (the tour names them at the start). */
export const PLANTED_CHANGES = {
  reviewed: 'acme/repo-0001#1',
  selfApproved: 'acme/repo-0001#2',
  emergencyWithRecord: 'acme/repo-0001#3',
  emergencyWithoutRecord: 'acme/repo-0001#4',
  incompleteRecord: 'CHG-2026-0418',
} as const;

function acmeChanges(day: string): { repo: Partial<RepoFixture>; records: RepoFixture } {
  const at = (time: string) => `${day}T${time}Z`;
  const next = addDays(day, 1);
  const sha = (label: string) => Buffer.from(label).toString('hex').padEnd(40, '0').slice(0, 40);
  const pr = (number: number, over: Partial<PullRequestFixture>): PullRequestFixture => ({
    number,
    title: `Change ${number}`,
    author: 'alice',
    mergedAt: at('12:00:00'),
    mergedBy: over.author ?? 'alice',
    mergeCommit: sha(`merge-${number}`),
    commits: [
      {
        oid: sha(`head-${number}`),
        committedDate: at('09:00:00'),
        author: over.author ?? 'alice',
        status: 'SUCCESS',
        pullRequests: [number],
      },
    ],
    ...over,
  });
  const pullRequests = [
    pr(1, {
      title: 'Rate-limit the login endpoint (OPS-12)',
      reviews: [{ author: 'bob', state: 'APPROVED', submittedAt: at('10:00:00') }],
    }),
    pr(2, {
      title: 'Tweak cache headers',
      author: 'carol',
      mergedBy: 'carol',
      reviews: [{ author: 'carol', state: 'APPROVED', submittedAt: at('10:00:00') }],
    }),
    pr(3, {
      title: 'Hotfix: patch exploited dependency',
      body: 'Emergency fix for SEC-INC-2026-2214.\n\nChange: CHG-2026-0522',
      author: 'appsec-oncall',
      mergedBy: 'platform-release-engineer',
      mergedAt: at('10:30:00'),
      labels: ['emergency'],
      reviews: [{ author: 'engineering-manager', state: 'APPROVED', submittedAt: at('10:00:00') }],
    }),
    pr(4, {
      title: 'Hotfix login failures',
      author: 'api-team-lead',
      mergedBy: 'api-team-lead',
      mergedAt: at('14:00:00'),
      labels: ['emergency'],
      reviews: [{ author: 'bob', state: 'APPROVED', submittedAt: at('13:00:00') }],
    }),
  ];
  const commits: CommitFixture[] = [
    ...pullRequests.map((p) => ({
      oid: p.mergeCommit!,
      committedDate: p.mergedAt!,
      author: p.mergedBy ?? 'alice',
      pullRequests: [p.number],
    })),
    ...pullRequests.flatMap((p) => p.commits),
    {
      oid: sha('direct-push'),
      committedDate: at('16:00:00'),
      author: 'mallory',
      message: 'quick fix straight to main',
    },
  ];
  // The seed's records, dated to the day (the source documents date them 2026-05-22/23).
  const record = (file: string) =>
    readFileSync(path.join(ROOT, 'test/fixtures/change-records', file), 'utf8')
      .replaceAll('2026-05-22', day)
      .replaceAll('2026-05-23', next);
  return {
    repo: { pullRequests, commits },
    records: {
      name: 'change-records',
      protection: legacyProtection(),
      pushedAt: '2026-01-05T00:00:00Z',
      files: {
        'changes/CHG-2026-0522.yaml': record('CHG-2026-0522.yaml'),
        'changes/CHG-2026-0418.yaml': record('CHG-2026-0418.yaml'),
      },
    },
  };
}

/** Run the CLI in-process, capturing what it prints. */
async function cli(argv: string[], clock: Clock): Promise<DemoStep> {
  let output = '';
  const streams: Streams = {
    stdout: (t) => {
      output += t;
    },
    stderr: (t) => {
      output += t;
    },
    interactive: false,
  };
  const code = await main(argv, {
    streams,
    clock,
    logger: createStreamLogger({ level: 'error', write: (line) => (output += line) }),
  });
  return { command: `npx evidence ${argv.join(' ')}`, code, output };
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const dir = path.resolve(options.dir ?? path.join(ROOT, '.demo'));
  const clock = options.clock ?? systemClock;
  const count = options.days ?? 4;
  const today = dayOf(clock.now());
  const days = Array.from({ length: count }, (_, i) => addDays(today, i - count));
  const store = path.join(dir, 'locker');
  const configFile = path.join(dir, 'evidence.config.json');
  const steps: DemoStep[] = [];
  const run = async (argv: string[], at: Clock, show = true) => {
    const step = await cli(argv, at);
    steps.push(step);
    if (show) print(`\n$ ${step.command}   # exit ${step.code}\n${indent(step.output)}`);
    return step;
  };

  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });

  // Local servers to stop and environment variables to restore when the demo ends.
  const stops: (() => Promise<void>)[] = [];
  const saved = new Map<string, string | undefined>();
  const setEnv = (name: string, value: string) => {
    if (!saved.has(name)) saved.set(name, process.env[name]);
    process.env[name] = value;
  };
  // The changes of CC8.1 happen on the second day, collected by the next day's run.
  const changeDay = days[Math.min(1, days.length - 1)]!;
  print(
    [
      'The tour plants these exceptions, and reports no other:',
      '  - GuardDuty: the detector in eu-west-1 is OFF (guardduty-enabled)',
      "  - IAM: bob has a console password and no MFA; the emulator's fresh account's root user has no MFA either (iam-console-mfa)",
      '  - Okta: olaf, DEPROVISIONED, is still in Administrators (okta-privileged-groups)',
      '  - Okta: pat has no MFA, a security question only (okta-mfa-enrolled); dora, an administrator, last signed in 200 days ago (okta-dormant-users); the Admin Console lets the Contractors group in with one factor (okta-mfa-required)',
      '  - GitHub: repo-0004 has no branch protection (github-branch-protection)',
      '  - GitHub: bruno-acme has no two-factor authentication (github-members-2fa)',
      '  - GitHub: acme/repo-0002 has a critical Dependabot alert (jsonwebtoken) open 30 days, SLA 7 (vulnerabilities-within-sla)',
      '  - olaf, DEPROVISIONED in Okta, is still a member of the GitHub org acme, linked by his SAML identity (access-revoked-on-termination)',
      `  - changes of ${changeDay} on acme/repo-0001: #2 self-approved and self-merged (change-peer-reviewed); a direct push by mallory (no-direct-push); #4 an emergency change that links no change record (emergency-change-gate)`,
      '  - change record CHG-2026-0418: an emergency change without approval, CI, smoke test, rollback plan, abort criteria or review, one person in every role (emergency-change-gate)',
      'and these pass: #1 reviewed by bob; #3 an emergency change whose body names its complete record CHG-2026-0522.',
    ].join('\n'),
  );
  let emulator: Emulator | undefined;
  let wrapper: EmulatorWrapper | undefined;
  if (!options.emulatorUrl) {
    print('starting the local AWS emulator (moto)...');
    emulator = await startEmulator();
  }
  try {
    const motoUrl = options.emulatorUrl ?? emulator!.url;
    // The tour's wrapper supplies what moto cannot hold (scripts/demo-emulator.ts); only the tour uses it.
    wrapper = await startEmulatorWrapper(motoUrl);
    if (!saved.has('AWS_ENDPOINT_URL')) saved.set('AWS_ENDPOINT_URL', process.env.AWS_ENDPOINT_URL);
    const accountId = await useEmulatorAccount(wrapper.url);
    print(
      `AWS emulator at ${motoUrl}, fictional account ${accountId}, through the tour's emulator wrapper at ${wrapper.url}, which supplies what the emulator cannot hold:\n${SUPPLIED.map((l) => `  - ${l}`).join('\n')}`,
    );
    await seedAwsOrganisation(accountId, motoUrl, clock);
    print(
      'seeded "Acme Widgets": GuardDuty on in us-east-1 and OFF in eu-west-1; IAM users alice (console + MFA), ' +
        'bob (console, no MFA), deploy-bot (access key); a multi-region CloudTrail trail; AWS Config recording in both regions; ' +
        'RDS acme-orders (encrypted) and acme-legacy-reports (NOT encrypted); bucket acme-marketing-site without a public access block; ' +
        'DynamoDB acme-sessions (point-in-time recovery) and acme-carts (none); ' +
        'Inspector on in us-east-1 (off in eu-west-1), scanning the web server, with a critical finding open for 30 days',
    );

    // The demo's digest-signing key stays with the demo (outside its locker), not in ~/.config.
    // A configured key file is never created by the CLI (only the default one is): make it here.
    const signingKeyFile = path.join(dir, 'signing-key.pem');
    await fileSigner(signingKeyFile, { create: true });
    const config: Record<string, unknown> = {
      locker: { retentionDays: 730, signingKeyFile },
      aws: {
        regions: [...REGIONS],
        // Every other region the emulator's account has enabled, each excluded with its reason
        // (regions-covered fails an enabled region in neither list).
        excludeRegions: OTHER_ENABLED_REGIONS.map((region) => ({
          region,
          reason: 'no workloads: the SCP deny-unused-regions denies every action there',
        })),
        accounts: [],
      },
      auditPeriod: { start: days[0]! },
      report: { entity: 'Acme Corp (a fictional company)', system: 'Acme SaaS platform' },
    };
    const okta = await startOktaServer(acmeOktaOrg(today));
    stops.push(() => okta.stop());
    setEnv('OKTA_API_TOKEN', DEFAULT_OKTA_TOKEN);
    config.okta = { orgUrl: okta.url, privilegedGroups: ['Administrators'] };
    print(
      `local Okta org at ${okta.url}: Administrators = ana (active), olaf (DEPROVISIONED), dora (last sign-in 200 days ago); ` +
        'pat has no MFA (a security question only); the Admin Console lets Contractors in with one factor',
    );
    const github = await startGitHubServer(acmeGitHubOrg(changeDay));
    stops.push(() => github.stop());
    setEnv('GITHUB_TOKEN', DEFAULT_GITHUB_TOKEN);
    setEnv('GITHUB_API_URL', github.url);
    setEnv('GITHUB_GRAPHQL_URL', github.graphqlUrl);
    config.github = {
      org: 'acme',
      requiredApprovals: 1,
      changes: { ticketPattern: 'OPS-\\d+', records: { repository: 'change-records', path: 'changes' } },
      vulnerabilities: {},
    };
    print(
      `local GitHub at ${github.url}: org acme, repo-0004 has no branch protection; members ana-acme, bruno-acme (no 2FA), olaf-acme (SAML-linked to olaf@acme.example); the changes of ${changeDay} on repo-0001; change records CHG-2026-0522 and CHG-2026-0418 in acme/change-records`,
    );
    const sources = ['aws', 'okta', 'github'];
    await writeFile(configFile, `${JSON.stringify(config, null, 2)}\n`);
    print(`configuration: ${configFile}\nlocker (a directory, throw-away): ${store}`);

    const base = ['--store', store, '--config', configFile];
    print(
      `\n== collect: one run per evidence day, ${days[0]} to ${days.at(-1)} (the demo's clock is set to each day)`,
    );
    for (const day of days) {
      const at = fixedClock(`${day}T00:05:00.000Z`);
      await plantInspectorCoverage(accountId, motoUrl, at.now());
      await run(['collect', ...base], at);
    }

    print('\n== seal: a digest per day, chained to the one before');
    for (const day of days) {
      const step = await run(
        ['seal', '--day', day, ...base],
        fixedClock(`${addDays(day, 1)}T03:00:00.000Z`),
        false,
      );
      print(
        `\n$ ${step.command}   # exit ${step.code}\n${indent(step.output.split('\n').slice(0, 3).join('\n'))}`,
      );
    }

    print('\n== verify: no day missing, nothing altered');
    const verified = await run(['verify', '--from', days[0]!, '--to', days.at(-1)!, ...base], clock);

    print('\n== sample: a test of effectiveness per control, with a workpaper for the auditor');
    const workpapers: DemoResult['workpapers'] = [];
    for (const control of CONTROLS) {
      const out = path.join(dir, 'workpapers', control);
      const step = await run(
        [
          'sample',
          '--control',
          control,
          '--from',
          days[0]!,
          '--to',
          days.at(-1)!,
          '--per-month',
          '2',
          '--seed',
          'demo',
          '--out',
          out,
          ...base,
        ],
        clock,
      );
      workpapers.push({ control, dir: out, code: step.code });
    }

    print(
      '\n== sample --population changes: merged pull requests (not days), each judged by every change check that applies to it',
    );
    const populationDir = path.join(dir, 'workpapers', 'CC8.1-changes');
    const population = await run(
      [
        'sample',
        '--population',
        'changes',
        '--from',
        days[0]!,
        '--to',
        // The last day whose changes are collected: a day's changes come with the next day's run.
        days.at(-2) ?? days[0]!,
        '--size',
        '4',
        '--seed',
        'demo',
        '--out',
        populationDir,
        ...base,
      ],
      clock,
    );

    print('\n== sample people: users who could sign in on a drawn day, stratified by department');
    const peopleDir = path.join(dir, 'workpapers', 'users');
    const people = await run(
      [
        'sample',
        '--population',
        'users',
        '--strata',
        'department',
        '--from',
        days[0]!,
        '--to',
        days.at(-1)!,
        '--size',
        '10',
        '--seed',
        'demo',
        '--out',
        peopleDir,
        ...base,
      ],
      clock,
    );

    print(
      `\n== review: a quarterly access review of Okta as of ${days.at(-1)} (CC6.2, CC6.3): the population from the sealed snapshots, a sheet per reviewer, signed decisions`,
    );
    const reviewDir = path.join(dir, 'review', 'okta');
    const reviewersFile = path.join(dir, 'reviewers.json');
    // ana reviews everyone; her own account goes to the CISO (nobody reviews their own account).
    await writeFile(
      reviewersFile,
      `${JSON.stringify({ accounts: { [DEMO_REVIEW.admin]: DEMO_REVIEW.ciso }, default: DEMO_REVIEW.admin }, null, 2)}\n`,
    );
    const started = await run(
      [
        'review',
        'start',
        '--system',
        'okta',
        '--as-of',
        days.at(-1)!,
        '--reviewers',
        reviewersFile,
        '--out',
        reviewDir,
        ...base,
      ],
      clock,
    );
    const campaign = /\b(okta-\d{4}-\d{2}-\d{2}-[0-9a-f]+)\b/.exec(started.output)?.[1];
    let closed: DemoStep | undefined;
    if (started.code === 0 && campaign) {
      // The reviewers fill in their sheets: keep everyone but dora, the dormant administrator.
      for (const name of readdirSync(reviewDir)
        .filter((f) => /^sheet-.*\.csv$/.test(f))
        .sort()) {
        const sheet = readFileSync(path.join(reviewDir, name), 'utf8');
        const [header, first] = parseCsv(sheet);
        const reviewer = first?.[header!.indexOf('reviewer')] ?? '';
        const filled = path.join(reviewDir, name.replace(/^sheet-/, 'decided-'));
        await writeFile(filled, fillSheet(sheet, [DEMO_REVIEW.removed]));
        await run(
          ['review', 'record', '--campaign', campaign, '--decisions', filled, '--by', reviewer, ...base],
          clock,
        );
      }
      // dora's removal is due within reviews.removalSlaDays (5): close names it as pending.
      closed = await run(['review', 'close', '--campaign', campaign, '--out', reviewDir, ...base], clock);
    }

    print('\n== report: one HTML file with the coverage calendar, conclusions per control, and workpapers');
    const reportDir = path.join(dir, 'report');
    const reported = await run(
      ['report', '--from', days[0]!, '--to', days.at(-1)!, '--out', reportDir, ...base],
      clock,
    );
    const reportFile = path.join(reportDir, 'report.html');

    print('\n== done');
    print(
      'The exceptions are the point, each planted (named at the start): GuardDuty is off in eu-west-1, bob has no console MFA, the root user has none either, ' +
        'a deprovisioned user is still an Okta administrator, dora is a dormant Okta administrator, pat has no MFA, ' +
        "a rule of the Admin Console's authentication policy allows one factor (Contractors), repo-0004 has no branch protection, " +
        'bruno-acme has no GitHub 2FA, olaf (deprovisioned in Okta) is still a member of the GitHub org, ' +
        'acme-legacy-reports is not encrypted, acme-marketing-site has no public access block, acme-carts has no point-in-time recovery, ' +
        'a critical Inspector finding is 30 days open (SLA 7), Inspector is off in eu-west-1, ' +
        'a critical Dependabot alert on acme/repo-0002 is 30 days open (SLA 7), ' +
        `a self-approved change, a direct push and an emergency change without a record on ${changeDay}, and the incomplete change record CHG-2026-0418.`,
    );
    print(
      `The emulator wrapper supplied ${[...wrapper.supplied.entries()].map(([what, n]) => `${what} (${n}x)`).join(', ') || 'nothing'}: states moto cannot hold, so that no exception comes from the emulator.`,
    );
    print(`sources: ${sources.join(', ')} (local emulators)`);
    print(`configuration: ${configFile}`);
    print(
      verified.code === 0
        ? `locker, verified (every day present, every snapshot sealed, the chain intact): ${store}`
        : `locker: ${store} -- verify FAILED (exit ${verified.code}), see its output above`,
    );
    for (const w of workpapers)
      print(
        `workpaper ${w.control}: ${path.join(w.dir, 'workpaper.md')} (${w.code === 0 ? 'all samples pass' : 'with exceptions'})`,
      );
    print(
      `workpaper CC8.1, changes: ${path.join(populationDir, 'workpaper.md')} (${population.code === 0 ? 'all samples pass' : 'with exceptions'})`,
    );
    print(
      `workpaper users (people, stratified by department): ${path.join(peopleDir, 'workpaper.md')} (${people.code === 0 ? 'all samples pass' : 'with exceptions'})`,
    );
    print(
      `access review of Okta: ${path.join(reviewDir, 'workpaper.md')} (${closed?.code === 0 ? 'complete' : closed ? 'not complete: a removal is still to be proven' : 'not started'})`,
    );
    print(
      `report: ${reportFile} (${reported.code === 0 ? 'every check passed every day' : 'with exceptions'}; open it in a browser)`,
    );
    print(`Everything is under ${dir}; delete it when done.`);
    const verifiedOk = verified.code === 0;
    return {
      dir,
      store,
      config: configFile,
      accountId,
      days,
      sources,
      steps,
      workpapers,
      people: { dir: peopleDir, code: people.code },
      population: { dir: populationDir, code: population.code },
      review: { dir: reviewDir, campaign, code: closed?.code },
      verified: verifiedOk,
      report: reportFile,
    };
  } finally {
    for (const stop of stops) await stop();
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await wrapper?.stop();
    await emulator?.stop();
  }
}

if (process.argv[1] && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  if (!existsSync(path.join(ROOT, '.venv/bin/moto_server'))) {
    console.error(
      'the demo needs the local AWS emulator: run "npm start", which installs it (or "npm run setup:emulator" once)',
    );
    process.exit(2);
  }
  runDemo().then(
    (result) => process.exit(result.verified ? 0 : 1),
    (err: unknown) => {
      console.error(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      process.exit(1);
    },
  );
}

/**
 * The configuration file (README.md, "Configuration"), read by the CLI and the CDK app, validated once at
 * load. A bad file fails with the key path, the value received and what is expected.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as z from 'zod';
import { AWS_REGIONS } from './aws/regions.js';
import type { AnyCollector, Source } from './collectors/types.js';
import { optionalEnv } from './env.js';
import { ConfigError } from './errors.js';
import { DaySchema } from './evidence/ids.js';
import { duplicateJsonKeys } from './json-keys.js';
import { redact } from './secrets.js';

const DEFAULT_CONFIG_FILE = 'evidence.config.json';

/** Evidence must outlive an audit: below this many days of retention only a trial locker deploys. */
export const MIN_RETENTION_DAYS = 30;

/** The default name prefix of the stacks, roles and parameters (`deploy.prefix`). */
export const DEFAULT_PREFIX = 'EvidenceLocker';

const region = z.string().refine((r) => (AWS_REGIONS as readonly string[]).includes(r), {
  message: `expected an AWS region code such as "us-east-1" (known: ${AWS_REGIONS.join(', ')})`,
});

const day = DaySchema;

/** A GitHub organization login: letters, digits and single inner hyphens, at most 39 characters. */
const GITHUB_ORG_RE = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/;

/** An EventBridge Scheduler cron expression body: six fields, as in cron(0 1 * * ? *). */
const CRON_SIX_FIELDS = /^cron\(\s*\S+\s+\S+\s+\S+\s+\S+\s+\S+\s+\S+\s*\)$/;
const cronExpression = z
  .string()
  .regex(
    CRON_SIX_FIELDS,
    'expected an EventBridge cron expression with six fields, e.g. "cron(5 0 * * ? *)"',
  );

/**
 * `schedule.collectAgain` when absent: the collectors whose runs carry work over (okta-users)
 * run again hourly at :35 from 00:35 to 06:35 UTC, after the 00:05 daily run and away from it.
 */
export const DEFAULT_COLLECT_AGAIN = 'cron(35 0-6 * * ? *)';

/** Okta factor types (UserFactorType in Okta's Management API). */
export const OKTA_FACTOR_TYPES = [
  'call',
  'email',
  'push',
  'question',
  'signed_nonce',
  'sms',
  'token',
  'token:hardware',
  'token:hotp',
  'token:software:totp',
  'u2f',
  'web',
  'webauthn',
] as const;

/** okta.mfa when absent: every factor type but the security question counts; no exemption. */
/**
 * How old a source's own "as of" time may be, in hours, before the part of a snapshot it dates
 * is not that day's state (`checks.freshnessHours`; shared/collectors/freshness.ts): the
 * collector marks the snapshot `partial` naming the part, and the check relying on it fails that
 * item instead of judging it.
 */
export const DEFAULT_FRESHNESS_HOURS = {
  /** IAM credential report `GeneratedTime` (IAM reuses a report up to 4 hours old). */
  credentialReport: 24,
  /** AWS Config recorder `lastStatusChangeTime`: its latest processed recording event. */
  configRecorder: 48,
  /** AWS Config delivery channel's last successful configuration snapshot delivery (when it has a frequency). */
  configDelivery: 48,
  /** CloudTrail `LatestDeliveryTime` of a logging trail (log files arrive about every 5 minutes). */
  cloudTrailDelivery: 24,
  /** Okta factors read by okta-users (`factorsReadAt`; the rolling schedule reads everyone weekly). */
  oktaFactors: 192,
  /**
   * Amazon Inspector coverage `lastScannedAt` of each EC2 instance, ECR image and Lambda function:
   * network reachability and agentless EC2 scans run every 24 hours, agent-based, ECR and Lambda
   * scans continuously (on a change and on each new CVE); two missed daily cycles is stale.
   */
  inspectorScan: 48,
} as const;

export const DEFAULT_OKTA_MFA = {
  acceptedFactors: OKTA_FACTOR_TYPES.filter((t) => t !== 'question'),
  phishingResistant: false,
  exempt: [] as string[],
};

const OktaMfa = z
  .object({
    acceptedFactors: z
      .array(
        z.enum(OKTA_FACTOR_TYPES, {
          message: `expected an Okta factor type: ${OKTA_FACTOR_TYPES.join(', ')}`,
        }),
      )
      .min(1, 'expected at least one factor type')
      .default([...DEFAULT_OKTA_MFA.acceptedFactors]),
    /** Only WebAuthn / FIDO2 (and U2F) and Okta Verify FastPass (signed_nonce) count. */
    phishingResistant: z.boolean().default(false),
    /** Logins exempt from okta-mfa-enrolled (service accounts); each is named in the workpaper. */
    exempt: z.array(z.string().min(1)).default([]),
  })
  .strict();

/** A bound in whole hours, at most a year. */
const hours = z
  .number('expected a whole number of hours')
  .int('expected a whole number of hours')
  .min(1)
  .max(8760);

const accountId = z.string().regex(/^\d{12}$/, 'expected a 12-digit AWS account id');

const AccountEntry = z
  .object({
    id: accountId,
    name: z.string().min(1).optional(),
    /** First day this account is collected, when after auditPeriod.start. */
    since: day.optional(),
    roleName: z.string().min(1).optional(),
    externalId: z.string().min(2).optional(),
  })
  .strict();

const ouId = z
  .string()
  .regex(
    /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/,
    'expected an OU id such as "ou-ab12-cd34ef56" or a root id such as "r-ab12"',
  );

/**
 * AWS Organizations discovery: every ACTIVE account of the organization (or of the listed
 * OUs, recursively), minus `excludeOus` and `excludeAccounts`, is collected without listing it by hand.
 */
const OrganizationSelection = z
  .object({
    /** OU ids (ou-xxxx-yyyyyyyy) or the root id (r-xxxx): only accounts under these, at any depth. */
    ous: z
      .array(ouId)
      .min(1, 'expected at least one OU id, or leave "ous" out for the whole organization')
      .optional(),
    /** OU ids whose accounts, at any depth, are not collected. */
    excludeOus: z.array(ouId).default([]),
    excludeAccounts: z.array(accountId).default([]),
  })
  .strict();

export const ConfigSchema = z
  .object({
    locker: z
      .object({
        retentionDays: z
          .number({ message: 'expected a whole number of days' })
          .int('expected a whole number of days')
          .min(1, 'expected at least 1 day')
          .max(36500, 'expected at most 36500 days'),
        bucketName: z.string().min(3).optional(),
        /** Hours after the end of a day before an unsealed snapshot of that day is a problem. */
        sealGraceHours: z.number().int().min(0).max(720).default(36),
        /** Tolerance between a snapshot's collectedAt and the store's write time. */
        backdateToleranceMinutes: z.number().int().min(0).max(1440).default(15),
        /**
         * The digest form seal writes: 3 (default), one signed leaf per collector and account
         * shard under a signed daily root (the form that scales: docs/scale.md); 2, one digest
         * listing every snapshot of the day. Every version reads both; a chain may hold both.
         */
        digestForm: z.union([z.literal(2), z.literal(3)]).default(3),
        /** Private key (PKCS#8 PEM, P-256) that signs digests on a directory locker; EVIDENCE_SIGNING_KEY_FILE wins. */
        signingKeyFile: z.string().min(1).optional(),
        /** Fingerprints (hex SHA-256 of the DER public key) of signing keys verify trusts besides the key file and KMS key. */
        trustedKeys: z
          .array(
            z
              .string()
              .regex(
                /^[0-9a-fA-F]{64}$/,
                'expected a key fingerprint: 64 hex digits (SHA-256 of the DER public key)',
              ),
          )
          .default([]),
        /**
         * How the locker bucket is encrypted at rest: SSE-S3 (default: no key anyone can disable)
         * or SSE-KMS with a customer-managed key whose policy denies disabling and deletion
         * (docs/deploy.md, "Encryption": the trade-off). Deployment only.
         */
        encryption: z.enum(['SSE-S3', 'SSE-KMS']).default('SSE-S3'),
        /**
         * Deployment only: a throw-away locker to rehearse with (GOVERNANCE retention, deletable
         * keys and buckets; docs/deploy.md, "Try it first"). Allows retentionDays below 30.
         */
        trial: z.boolean().default(false),
        /**
         * Deployment only: every object (current and noncurrent versions, delete markers) expires
         * this many days after it was written. Default retentionDays + 30; never within retention.
         */
        expireAfterDays: z.number().int().min(2).max(36530).optional(),
      })
      .strict()
      .superRefine((l, ctx) => {
        if (l.retentionDays < MIN_RETENTION_DAYS && !l.trial)
          ctx.addIssue({
            code: 'custom',
            path: ['retentionDays'],
            input: l.retentionDays,
            message: `expected at least ${MIN_RETENTION_DAYS} days for evidence (730 covers a 12-month Type II period plus a year); set "locker": { "trial": true } for a throw-away locker to rehearse with`,
          });
        if (l.expireAfterDays !== undefined && l.expireAfterDays <= l.retentionDays)
          ctx.addIssue({
            code: 'custom',
            path: ['expireAfterDays'],
            input: l.expireAfterDays,
            message: `expected more days than locker.retentionDays (${l.retentionDays}): Object Lock keeps every object until its retention has passed, so it can only expire after that`,
          });
      }),
    aws: z
      .object({
        regions: z.array(region).min(1, 'expected at least one region'),
        /**
         * Enabled regions deliberately not collected, each with the reason (regions-covered fails
         * an enabled region that is in neither list).
         */
        excludeRegions: z
          .array(
            z
              .object({
                region,
                reason: z
                  .string()
                  .trim()
                  .min(
                    1,
                    'expected the reason the region is not collected, e.g. "denied by SCP deny-regions"',
                  ),
              })
              .strict(),
          )
          .default([]),
        accounts: z.array(AccountEntry).default([]),
        /** Discover the accounts from AWS Organizations (management or delegated-administrator account). */
        organization: OrganizationSelection.optional(),
        /** Role assumed in each entry of `accounts` unless the entry names its own. */
        roleName: z.string().min(1).default('EvidenceLockerCollector'),
        /** At most this many account × region scopes are collected at once. */
        concurrency: z.number().int().min(1).max(64).default(8),
        /**
         * Deployment with `organization` or more than 100 listed accounts: the Step Functions
         * fan-out (docs/scale.md). Accounts per shard (one shard Lambda, 15 minutes), and shards
         * in flight at once.
         */
        fanOut: z
          .object({
            shardAccounts: z.number().int().min(1).max(50).default(5),
            maxConcurrency: z.number().int().min(1).max(1000).default(10),
            /** Failed shards (percent) the day's run tolerates: each leaves error snapshots, the others go on. */
            toleratedFailurePercentage: z.number().int().min(0).max(100).default(50),
          })
          .strict()
          .optional(),
        /** First day AWS is collected, when after auditPeriod.start. */
        since: day.optional(),
        /** First day each listed region is collected, when after auditPeriod.start. */
        regionsSince: z.record(region, day).default({}),
        /**
         * Deployment only: the evidence stack rolls the member role out as a service-managed
         * StackSet to these OUs (or the organization root), and to every account that joins them.
         */
        memberStackSet: z
          .object({
            targets: z
              .array(
                z
                  .string()
                  .regex(
                    /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/,
                    'expected an OU id such as "ou-ab12-cd34ef56" or the root id such as "r-ab12"',
                  ),
              )
              .min(1, 'expected at least one OU or root id'),
            /** The one region the stack instances go to (the role is global). Default: the evidence stack's region. */
            region: region.optional(),
            /** SELF from the management account; DELEGATED_ADMIN from a delegated administrator account. */
            callAs: z.enum(['SELF', 'DELEGATED_ADMIN']).default('SELF'),
          })
          .strict()
          .optional(),
      })
      .strict()
      .superRefine((a, ctx) => {
        a.excludeRegions.forEach((e, i) => {
          if (a.regions.includes(e.region))
            ctx.addIssue({
              code: 'custom',
              path: ['excludeRegions', i, 'region'],
              input: e.region,
              message: `${e.region} is in aws.regions too: a region is either collected or excluded, not both`,
            });
        });
      })
      .optional(),
    okta: z
      .object({
        orgUrl: z.url({ message: 'expected the Okta org URL, e.g. "https://example.okta.com"' }),
        privilegedGroups: z.array(z.string().min(1)).default([]),
        /** OAuth 2.0 service app (private_key_jwt); without it the CLI uses OKTA_API_TOKEN. */
        clientId: z.string().min(1).optional(),
        concurrency: z.number().int().min(1).max(15).default(3),
        since: day.optional(),
        /** okta-mfa-enrolled: what counts as MFA and who is exempt. */
        mfa: OktaMfa.default({
          acceptedFactors: [...DEFAULT_OKTA_MFA.acceptedFactors],
          phishingResistant: false,
          exempt: [],
        }),
      })
      .strict()
      .optional(),
    github: z
      .object({
        org: z
          .string()
          .regex(
            GITHUB_ORG_RE,
            'expected a GitHub organization login (letters, digits and single hyphens, at most 39 characters, e.g. "acme-corp"), not a display name, path or URL',
          ),
        requiredApprovals: z.number().int().min(0).max(10).default(1),
        /** GitHub App authentication: without it the CLI uses GITHUB_TOKEN. */
        appId: z.union([z.string(), z.number()]).optional(),
        installationId: z.union([z.string(), z.number()]).optional(),
        since: day.optional(),
      })
      .strict()
      .optional(),
    auditPeriod: z
      .object({ start: day, end: day.optional() })
      .strict()
      .refine((p) => p.end === undefined || p.end >= p.start, {
        message: 'auditPeriod.end is before auditPeriod.start: the period would have no day',
        path: ['end'],
      }),
    /** Who and what the report is about: printed at the top of report.html and its workpapers. */
    report: z
      .object({
        /** The service organisation (the legal entity), e.g. "Example Corp, Inc.". */
        entity: z.string().trim().min(1, 'expected the name of the service organisation').max(200),
        /** The system described, e.g. "Example Cloud Platform". */
        system: z.string().trim().min(1, 'expected the name of the system in scope').max(200),
      })
      .strict()
      .optional(),
    checks: z
      .object({
        iamKeyMaxAgeDays: z.number().int().min(1).max(3650).default(90),
        /** Days an open vulnerability of each severity may stay open (vulnerabilities-within-sla). */
        vulnerabilitySlaDays: z
          .object({
            critical: z.number().int().min(0).max(3650).default(7),
            high: z.number().int().min(0).max(3650).default(30),
            medium: z.number().int().min(0).max(3650).default(90),
            low: z.number().int().min(0).max(3650).default(180),
          })
          .strict()
          .default({ critical: 7, high: 30, medium: 90, low: 180 }),
        /** Oldest acceptable latest restorable time or recovery point, in hours (backups-recent). */
        backupMaxAgeHours: z.number().int().min(1).max(8760).default(26),
        /** Fewest days of automated RDS backups kept (backups-recent). */
        backupRetentionDays: z.number().int().min(1).max(35).default(7),
        /** Oldest acceptable "as of" time of each source, in hours (DEFAULT_FRESHNESS_HOURS). */
        freshnessHours: z
          .object({
            credentialReport: z
              .number('expected a whole number of hours')
              .int('expected a whole number of hours')
              .min(4, 'expected at least 4: IAM reuses a credential report up to 4 hours old')
              .max(168)
              .default(DEFAULT_FRESHNESS_HOURS.credentialReport),
            configRecorder: hours.default(DEFAULT_FRESHNESS_HOURS.configRecorder),
            configDelivery: hours
              .min(
                24,
                'expected at least 24: a delivery channel may deliver configuration snapshots only once every 24 hours',
              )
              .default(DEFAULT_FRESHNESS_HOURS.configDelivery),
            cloudTrailDelivery: hours.default(DEFAULT_FRESHNESS_HOURS.cloudTrailDelivery),
            oktaFactors: hours
              .min(24, 'expected at least 24: the rolling schedule reads a seventh of the users a day')
              .default(DEFAULT_FRESHNESS_HOURS.oktaFactors),
            inspectorScan: hours
              .min(
                24,
                'expected at least 24: Inspector runs its daily scans (agentless EC2, network reachability) every 24 hours',
              )
              .default(DEFAULT_FRESHNESS_HOURS.inspectorScan),
          })
          .strict()
          .default({ ...DEFAULT_FRESHNESS_HOURS }),
      })
      .strict()
      .default({
        iamKeyMaxAgeDays: 90,
        vulnerabilitySlaDays: { critical: 7, high: 30, medium: 90, low: 180 },
        backupMaxAgeHours: 26,
        backupRetentionDays: 7,
        freshnessHours: { ...DEFAULT_FRESHNESS_HOURS },
      }),
    /** `sample` without a size: this many random days per calendar month (the source documents' policy). */
    sampling: z
      .object({ perMonth: z.number().int().min(1).max(31).default(3) })
      .strict()
      .default({ perMonth: 3 }),
    /**
     * The company's own control per criterion, for the workpapers (the criterion's text is the
     * fallback, and the workpaper says so): `{ "CC6.1": { "id": "AC-01", "description": "...", "owner": "..." } }`.
     */
    controls: z
      .record(
        z.string().regex(/^(CC\d|A1|C1|PI1|P\d)\.\d{1,2}$/, 'expected a criterion id such as "CC6.1"'),
        z
          .object({
            id: z.string().trim().min(1, 'expected the company\'s control id, e.g. "AC-01"'),
            description: z.string().trim().min(1, 'expected the control as the company words it'),
            owner: z.string().trim().min(1, 'expected who owns the control (a role or a name)'),
          })
          .strict(),
      )
      .default({}),
    /** Access reviews (CC6.2, CC6.3): access-revoked-on-termination. */
    access: z
      .object({
        /** Hours a leaver's access may remain elsewhere after the Okta status change. */
        revocationSlaHours: z.number().int().min(1).max(720).default(24),
      })
      .strict()
      .default({ revocationSlaHours: 24 }),
    /**
     * Access reviews (`evidence review`, shared/review/): the cadence verify expects a closed,
     * complete campaign per system at, and how long a `remove` may take. Absent: no cadence is
     * expected (campaigns can still be run, with these defaults).
     */
    reviews: z
      .object({
        cadence: z
          .literal('quarterly', 'expected "quarterly" (calendar quarters from auditPeriod.start)')
          .default('quarterly'),
        /** Systems reviewed each period; default: each of okta, github, aws the configuration collects. */
        systems: z
          .array(z.enum(['okta', 'github', 'aws'], 'expected "okta", "github" or "aws"'))
          .min(1, 'expected at least one of "okta", "github", "aws" (or leave the key out)')
          .refine((list) => new Set(list).size === list.length, 'a system is listed twice')
          .optional(),
        /** Days after a `remove` decision by which the account must be gone from the sealed snapshots. */
        removalSlaDays: z
          .number('expected a whole number of days')
          .int('expected a whole number of days')
          .min(0)
          .max(90)
          .default(5),
        /** Days after a period ends by which its campaign must be closed and complete. */
        graceDays: z
          .number('expected a whole number of days')
          .int('expected a whole number of days')
          .min(0)
          .max(365)
          .default(30),
      })
      .strict()
      .optional(),
    schedule: z
      .object({
        collect: cronExpression.default('cron(5 0 * * ? *)'),
        seal: cronExpression.default('cron(0 3 * * ? *)'),
        verify: cronExpression.default('cron(0 6 * * ? *)'),
        /**
         * Further runs of the collectors whose runs carry work over to the next (`continues`:
         * okta-users' deferred factor reads). On by default (hourly at :35 from 00:35 to 06:35
         * UTC: with the daily run, 8 runs a day); `false` turns them off.
         */
        collectAgain: z
          .union(
            [
              z.literal(false),
              z
                .string()
                .regex(
                  CRON_SIX_FIELDS,
                  'expected an EventBridge cron expression with six fields, e.g. "cron(35 0-6 * * ? *)", or false (no further runs)',
                ),
            ],
            {
              error:
                'expected an EventBridge cron expression with six fields, e.g. "cron(35 0-6 * * ? *)", or false (no further runs)',
            },
          )
          .default(DEFAULT_COLLECT_AGAIN),
      })
      .strict()
      .default({
        collect: 'cron(5 0 * * ? *)',
        seal: 'cron(0 3 * * ? *)',
        verify: 'cron(0 6 * * ? *)',
        collectAgain: DEFAULT_COLLECT_AGAIN,
      }),
    alerts: z
      .object({
        emails: z.array(z.email()).default([]),
        /** AWS Chatbot (Amazon Q Developer in chat applications) Slack channels on the alert topic. */
        slack: z
          .array(
            z
              .object({
                workspaceId: z
                  .string()
                  .regex(/^[0-9A-Z]{1,255}$/, 'expected a Slack workspace id such as "T0123ABCD"'),
                channelId: z
                  .string()
                  .regex(/^[0-9A-Z]{1,255}$/, 'expected a Slack channel id such as "C0123ABCD"'),
              })
              .strict(),
          )
          .default([]),
        /** AWS Chatbot Microsoft Teams channels on the alert topic. */
        teams: z
          .array(
            z
              .object({
                tenantId: z.guid('expected the Microsoft Entra tenant id (a GUID)'),
                teamId: z.guid('expected the Microsoft Teams team id (a GUID)'),
                channelId: z
                  .string()
                  .regex(
                    /^[\w=+/.,-]*%3[aA][\w=+/.,-]*%40[\w=+/.,-]*$/,
                    'expected the channel id as in the channel link, URL-encoded, e.g. "19%3ab6ef35dc342d56ba5654e6fc6d25a071%40thread.tacv2"',
                  ),
              })
              .strict(),
          )
          .default([]),
        /** HTTPS endpoints (PagerDuty Events API v2, a chat webhook): URL in SSM /<prefix>/webhooks/<name>. */
        webhooks: z
          .array(
            z
              .object({
                name: z
                  .string()
                  .regex(
                    /^[a-z0-9][a-z0-9-]{0,62}$/,
                    'expected a short name: lower-case letters, digits, hyphens',
                  ),
                format: z.enum(['pagerduty', 'json']).default('json'),
              })
              .strict(),
          )
          .default([]),
        /** Deployment only: deploy with no alert destination on purpose (the alarms then reach nobody). */
        none: z.boolean().default(false),
        /** Deployment only: also create the CloudWatch dashboard (the alarms do not need it). */
        dashboard: z.boolean().default(false),
      })
      .strict()
      .default({ emails: [], slack: [], teams: [], webhooks: [], none: false, dashboard: false }),
    /** Deployment only: where and under which names the stacks go (docs/deploy.md). */
    deploy: z
      .object({
        /** Prefix of the stack, role, state machine and parameter names: two lockers in one organization differ here. */
        prefix: z
          .string()
          .regex(
            /^[A-Za-z][A-Za-z0-9]{0,23}$/,
            'expected a name prefix: a letter, then letters and digits, at most 24 characters (e.g. "EvidenceLocker")',
          )
          .default(DEFAULT_PREFIX),
        /** The evidence stack's account and region; default: the CLI's (CDK_DEFAULT_ACCOUNT/REGION). */
        account: accountId.optional(),
        region: region.optional(),
        /**
         * The role CloudFormation deploys as (`cdk deploy --role-arn`, or the CLI's own role with
         * the CLI-credentials synthesizer): the only principal the keys and the bucket let change
         * their policies. Default: the bootstrap's execution role (its qualifier included).
         */
        roleArn: z
          .string()
          .regex(
            /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/,
            'expected an IAM role ARN such as "arn:aws:iam::111111111111:role/deploy"',
          )
          .optional(),
      })
      .strict()
      .default({ prefix: DEFAULT_PREFIX }),
  })
  .strict();

/**
 * The configuration as the product reads it. Collector sections (`github.changes`, ...) are
 * validated too but typed by their collector: read them with `settingsOf(collector, config)`.
 */
export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

const schemas = new WeakMap<readonly AnyCollector[], z.ZodType<Config>>();

/**
 * The full schema: the base above with every collector's own section (`<source>.<key>`)
 * added to its source's section, still strict, so an unknown key is an error. Two
 * collectors may share a section only by declaring the same schema object.
 */
export function configSchemaFor(collectors: readonly AnyCollector[]): z.ZodType<Config> {
  const cached = schemas.get(collectors);
  if (cached) return cached;
  const sections = new Map<Source, Map<string, { schema: z.ZodType; owner: string }>>();
  for (const c of collectors) {
    if (!c.settings) continue;
    const bySource = sections.get(c.source) ?? new Map<string, { schema: z.ZodType; owner: string }>();
    sections.set(c.source, bySource);
    const before = bySource.get(c.settings.key);
    if (before && before.schema !== c.settings.schema)
      throw new ConfigError(
        `collectors ${before.owner} and ${c.id} both declare the section ${c.source}.${c.settings.key} with different schemas; share one schema object`,
      );
    bySource.set(c.settings.key, { schema: c.settings.schema, owner: c.id });
  }
  const base = ConfigSchema.shape;
  const extended: Record<string, z.ZodType> = {};
  for (const [source, keys] of sections) {
    const section = base[source].unwrap();
    extended[source] = section
      .extend(Object.fromEntries([...keys].map(([key, { schema }]) => [key, schema.optional()])))
      .strict()
      .optional();
  }
  const schema = ConfigSchema.extend(extended).strict() as unknown as z.ZodType<Config>;
  schemas.set(collectors, schema);
  return schema;
}

/**
 * Validate a parsed configuration; `source` names the file in messages. `collectors` (pass
 * the registry, `COLLECTORS`) contribute their sections; without them a collector section is
 * an unknown key, i.e. an error. This module does not import the registry itself, so that
 * what reads the configuration need not load every collector.
 */
export function parseConfig(
  data: unknown,
  source = DEFAULT_CONFIG_FILE,
  collectors: readonly AnyCollector[] = [],
): Config {
  const result = configSchemaFor(collectors).safeParse(data, { reportInput: true });
  if (result.success) {
    // A reviewed system must be collected: its campaigns are built from its snapshots.
    const notCollected = (result.data.reviews?.systems ?? []).filter((s) => result.data[s] === undefined);
    if (notCollected.length)
      throw new ConfigError(
        `invalid configuration in ${source}:\n  reviews.systems: got ${JSON.stringify(notCollected)}, which the configuration does not collect; add the "${notCollected[0]}" section or remove it from reviews.systems`,
      );
    return result.data;
  }
  const lines = result.error.issues.map((issue) => {
    const key = issue.path.length ? issue.path.map((k) => keyName(String(k))).join('.') : '(top level)';
    // An unknown key is named, never its value (it is often a token pasted under a made-up
    // name: `github.pat`, `okta.apiToken`), nor the object that holds it.
    if (issue.code === 'unrecognized_keys') {
      const names = issue.keys.map((k) => `"${keyName(k)}"`).join(', ');
      return `  ${key}: unknown key${issue.keys.length === 1 ? '' : 's'} ${names} (misspelt, or not a setting; credentials never go in the configuration)`;
    }
    const got = 'input' in issue ? ` got ${describe(issue.input)},` : '';
    return `  ${key}:${got} ${issue.message}`;
  });
  throw new ConfigError(`invalid configuration in ${source}:\n${lines.join('\n')}`);
}

/** Prefixes of credentials (GitHub, Okta, AWS keys, PEM): a value like this is never echoed. */
const CREDENTIAL_PREFIX_RE =
  /^(gh[pousr]_|github_pat_|SSWS\s|Bearer\s|-----BEGIN|AKIA[0-9A-Z]{12}|ASIA[0-9A-Z]{12}|00[A-Za-z0-9_-]{40})/;

/** A known credential prefix, a registered secret, or a long random-looking token. */
function looksLikeCredential(value: string): boolean {
  const v = value.trim();
  if (CREDENTIAL_PREFIX_RE.test(v) || redact(v) !== v) return true;
  return v.length >= 32 && !/\s/.test(v) && /[a-z]/.test(v) && /[A-Z]/.test(v) && /\d/.test(v);
}

const CREDENTIAL_SHOWN_AS = '(a credential, not shown)';

/** A key as it may be shown: one that looks like a credential itself is not. */
function keyName(key: string): string {
  return looksLikeCredential(key) ? CREDENTIAL_SHOWN_AS : key;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string' && looksLikeCredential(value))
    return 'a value that looks like a credential (not shown: keep credentials out of the configuration)';
  const text = JSON.stringify(masked(value));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** An object or array as it may be shown: every credential-looking string (or key) in it, at any depth, replaced. */
function masked(value: unknown): unknown {
  if (typeof value === 'string') return looksLikeCredential(value) ? CREDENTIAL_SHOWN_AS : value;
  if (Array.isArray(value)) return value.map(masked);
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [keyName(k), masked(v)]));
  return value;
}

/**
 * JSON.parse's message quotes the text around the error (`…"pat": "ghp_1… is not valid JSON`),
 * which may be part of a token: keep what went wrong and where, never that excerpt.
 */
function jsonErrorMessage(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return message.replace(
    /, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s,
    ' (the text around it is not shown)',
  );
}

/** JSON keeps the last of two equal keys silently: refuse the file instead, naming them. */
function refuseDuplicateKeys(text: string, source: string): void {
  const duplicates = duplicateJsonKeys(text);
  if (duplicates.length)
    throw new ConfigError(
      `invalid configuration in ${source}: ${duplicates.map((k) => `"${k}"`).join(', ')} appear${duplicates.length === 1 ? 's' : ''} more than once in the same object; keep one`,
    );
}

/** Which file to read: --config, then EVIDENCE_CONFIG, then ./evidence.config.json. */
export function configPath(explicit?: string): string {
  return path.resolve(explicit ?? optionalEnv('EVIDENCE_CONFIG') ?? DEFAULT_CONFIG_FILE);
}

/**
 * The bytes the configuration was read from (EVIDENCE_CONFIG_JSON, else the file), for the
 * record of the configuration a seal or verification ran under (read after loadConfig).
 */
export function configSourceBytes(explicit?: string): Buffer {
  const inline = explicit === undefined ? optionalEnv('EVIDENCE_CONFIG_JSON') : undefined;
  if (inline !== undefined) return Buffer.from(inline, 'utf8');
  return readFileSync(configPath(explicit));
}

export function loadConfig(explicit?: string, collectors: readonly AnyCollector[] = []): Config {
  // In Lambda the stack passes the validated configuration itself, not a file.
  const inline = explicit === undefined ? optionalEnv('EVIDENCE_CONFIG_JSON') : undefined;
  if (inline !== undefined) {
    let data: unknown;
    try {
      data = JSON.parse(inline);
    } catch (err) {
      throw new ConfigError(`EVIDENCE_CONFIG_JSON is not valid JSON: ${jsonErrorMessage(err)}`, {
        cause: err,
      });
    }
    refuseDuplicateKeys(inline, 'EVIDENCE_CONFIG_JSON');
    return parseConfig(data, 'EVIDENCE_CONFIG_JSON', collectors);
  }
  const file = configPath(explicit);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(
      `cannot read the configuration file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); create it (see evidence.config.json in the repository) or pass --config PATH`,
      { cause: err },
    );
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON: ${jsonErrorMessage(err)}`, { cause: err });
  }
  refuseDuplicateKeys(text, file);
  return parseConfig(data, file, collectors);
}

/**
 * Listed accounts (`aws.accounts`) that one invocation per collector still collects: 100
 * accounts × 17 regions are about 9,100 requests a day for the four collectors, about 2 minutes
 * of round trips at 8 scopes at once and 80 ms a request, a seventh of Lambda's 15 minutes
 * (docs/scale.md). More are sharded like an organization's.
 */
export const UNSHARDED_ACCOUNTS = 100;

/**
 * True when AWS is collected by the fan-out (plan, then shards): with `aws.organization`, or
 * when `aws.accounts` lists more accounts than one invocation collects. One code path for both.
 */
export function fansOut(config: Pick<Config, 'aws'>): boolean {
  const aws = config.aws;
  return aws !== undefined && (aws.organization !== undefined || aws.accounts.length > UNSHARDED_ACCOUNTS);
}

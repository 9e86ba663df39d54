/**
 * GuardDuty, one account and region per scope (CC7.2): the detectors and their settings
 * (status, protection features, finding publishing frequency, service role), the
 * administrator account, the member accounts when this account administers others, and
 * the current (non-archived) finding counts by severity. A region without a detector is
 * recorded as data (`detectors: []`); the guardduty-enabled check fails it.
 */
import {
  BadRequestException,
  GetAdministratorAccountCommand,
  GetDetectorCommand,
  GetFindingsStatisticsCommand,
  type GetFindingsStatisticsCommandOutput,
  GuardDutyClient,
  ListDetectorsCommand,
  ListMembersCommand,
} from '@aws-sdk/client-guardduty';
import {
  type AwsRegionalScope,
  awsCall,
  awsClient,
  describeAwsError,
  isAccessDenied,
} from '../../aws/accounts.js';
import { awsIdentity } from '../../aws/principal.js';
import type { CollectorContext, RunnableCollector } from '../types.js';
import { guardDuty } from './declaration.js';

export interface GuardDutyFeature {
  name: string;
  status: string | null;
  additionalConfiguration: { name: string; status: string | null }[];
}

export interface GuardDutyMember {
  accountId: string;
  detectorId: string | null;
  relationshipStatus: string | null;
  administratorId: string | null;
  invitedAt: string | null;
  updatedAt: string | null;
}

/** Severity bands as GuardDuty documents them: low 1.0–3.9, medium 4.0–6.9, high 7.0–8.9, critical 9.0–10.0. */
export interface SeverityCounts {
  low: number;
  medium: number;
  high: number;
  critical: number;
}

export interface GuardDutyFindingCounts {
  /** How the counts were obtained, so a reader knows what they mean. */
  method: 'GetFindingsStatistics groupBy=SEVERITY' | 'GetFindingsStatistics COUNT_BY_SEVERITY';
  criteria: 'service.archived = false';
  total: number;
  bySeverity: SeverityCounts;
  /** The API's own figures: severity value → findings. */
  raw: Record<string, number>;
}

export interface GuardDutyDetector {
  detectorId: string;
  status: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  findingPublishingFrequency: string | null;
  serviceRole: string | null;
  features: GuardDutyFeature[];
  /** The account that administers this one (Organizations or invitation), null if none. */
  administrator: { accountId: string; relationshipStatus: string | null; invitedAt: string | null } | null;
  /** Member accounts (when this account is an administrator); null when they could not be read. */
  members: GuardDutyMember[] | null;
  /** null when they could not be read (see the snapshot's errors). */
  findingCounts: GuardDutyFindingCounts | null;
}

export interface GuardDutyData {
  accountId: string;
  region: string;
  detectors: GuardDutyDetector[];
}

const MEMBERS_PAGE = 50;

export const guardDutyCollector: RunnableCollector<AwsRegionalScope, GuardDutyData> = {
  ...guardDuty,
  identify: awsIdentity,
  async collect(scope, ctx) {
    const client = awsClient(GuardDutyClient, scope, scope.region, ctx.stats);
    try {
      return await collectRegion(client, scope, ctx);
    } finally {
      client.destroy();
    }
  },
};

async function collectRegion(client: GuardDutyClient, scope: AwsRegionalScope, ctx: CollectorContext) {
  const call = <T>(action: string, fn: () => Promise<T>) => awsCall(scope, scope.region, action, fn);
  const errors: string[] = [];
  /** Optional parts: a refusal or failure is recorded and the rest carries on. */
  const optional = async <T>(action: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await fn();
    } catch (err) {
      errors.push(`${action} in ${scope.region}: ${describeAwsError(err)}`);
      ctx.logger.warn('guardduty part not collected', {
        scope: scope.id,
        action,
        error: describeAwsError(err),
      });
      return null;
    }
  };

  const detectorIds: string[] = [];
  let token: string | undefined;
  do {
    const page = await call('guardduty:ListDetectors', () =>
      client.send(new ListDetectorsCommand({ MaxResults: 50, NextToken: token })),
    );
    ctx.stats.pages++;
    detectorIds.push(...(page.DetectorIds ?? []));
    token = page.NextToken || undefined;
  } while (token);

  const detectors: GuardDutyDetector[] = [];
  for (const detectorId of detectorIds) {
    const d = await call('guardduty:GetDetector', () =>
      client.send(new GetDetectorCommand({ DetectorId: detectorId })),
    );
    const admin = await optional('guardduty:GetAdministratorAccount', () =>
      call('guardduty:GetAdministratorAccount', () =>
        client.send(new GetAdministratorAccountCommand({ DetectorId: detectorId })),
      ),
    );
    const members = await optional('guardduty:ListMembers', () =>
      listMembers(client, detectorId, scope, ctx),
    );
    const findingCounts = await optional('guardduty:GetFindingsStatistics', () =>
      findingStatistics(client, detectorId, scope),
    );
    const a = admin?.Administrator;
    detectors.push({
      detectorId,
      status: d.Status ?? null,
      createdAt: d.CreatedAt ?? null,
      updatedAt: d.UpdatedAt ?? null,
      findingPublishingFrequency: d.FindingPublishingFrequency ?? null,
      serviceRole: d.ServiceRole ?? null,
      features: (d.Features ?? []).map((f) => ({
        name: f.Name ?? 'unknown',
        status: f.Status ?? null,
        additionalConfiguration: (f.AdditionalConfiguration ?? []).map((c) => ({
          name: c.Name ?? 'unknown',
          status: c.Status ?? null,
        })),
      })),
      administrator: a?.AccountId
        ? {
            accountId: a.AccountId,
            relationshipStatus: a.RelationshipStatus ?? null,
            invitedAt: a.InvitedAt ?? null,
          }
        : null,
      members,
      findingCounts,
    });
  }

  const data: GuardDutyData = { accountId: scope.accountId, region: scope.region, detectors };
  return {
    data,
    items: detectors.length,
    ...(errors.length > 0 && { status: 'partial' as const, errors }),
  };
}

async function listMembers(
  client: GuardDutyClient,
  detectorId: string,
  scope: AwsRegionalScope,
  ctx: CollectorContext,
): Promise<GuardDutyMember[]> {
  const members: GuardDutyMember[] = [];
  let token: string | undefined;
  do {
    const page = await awsCall(scope, scope.region, 'guardduty:ListMembers', () =>
      client.send(
        new ListMembersCommand({
          DetectorId: detectorId,
          OnlyAssociated: 'false',
          MaxResults: MEMBERS_PAGE,
          NextToken: token,
        }),
      ),
    );
    ctx.stats.pages++;
    for (const m of page.Members ?? []) {
      members.push({
        accountId: m.AccountId ?? 'unknown',
        detectorId: m.DetectorId ?? null,
        relationshipStatus: m.RelationshipStatus ?? null,
        administratorId: m.AdministratorId ?? null,
        invitedAt: m.InvitedAt ?? null,
        updatedAt: m.UpdatedAt ?? null,
      });
    }
    token = page.NextToken || undefined;
  } while (token);
  return members;
}

const CURRENT = { Criterion: { 'service.archived': { Equals: ['false'] } } };

/**
 * Non-archived findings by severity in one call. GroupBy=SEVERITY is the current form;
 * where the endpoint rejects it as a bad request we fall back to the older
 * COUNT_BY_SEVERITY statistic, and record which one was used.
 */
async function findingStatistics(
  client: GuardDutyClient,
  detectorId: string,
  scope: AwsRegionalScope,
): Promise<GuardDutyFindingCounts> {
  const action = 'guardduty:GetFindingsStatistics';
  let out: GetFindingsStatisticsCommandOutput;
  try {
    out = await awsCall(scope, scope.region, action, () =>
      client.send(
        new GetFindingsStatisticsCommand({
          DetectorId: detectorId,
          FindingCriteria: CURRENT,
          GroupBy: 'SEVERITY',
          MaxResults: 100,
        }),
      ),
    );
  } catch (err) {
    if (!(err instanceof BadRequestException) || isAccessDenied(err)) throw err;
    out = await awsCall(scope, scope.region, action, () =>
      client.send(
        new GetFindingsStatisticsCommand({
          DetectorId: detectorId,
          FindingCriteria: CURRENT,
          FindingStatisticTypes: ['COUNT_BY_SEVERITY'],
        }),
      ),
    );
    return countsFrom(
      'GetFindingsStatistics COUNT_BY_SEVERITY',
      out.FindingStatistics?.CountBySeverity ?? {},
    );
  }
  const raw: Record<string, number> = {};
  for (const s of out.FindingStatistics?.GroupedBySeverity ?? []) {
    if (s.Severity === undefined) continue;
    raw[String(s.Severity)] = (raw[String(s.Severity)] ?? 0) + (s.TotalFindings ?? 0);
  }
  return countsFrom('GetFindingsStatistics groupBy=SEVERITY', raw);
}

function countsFrom(
  method: GuardDutyFindingCounts['method'],
  raw: Record<string, number>,
): GuardDutyFindingCounts {
  const bySeverity: SeverityCounts = { low: 0, medium: 0, high: 0, critical: 0 };
  let total = 0;
  for (const [severity, count] of Object.entries(raw)) {
    total += count;
    bySeverity[band(Number(severity))] += count;
  }
  return { method, criteria: 'service.archived = false', total, bySeverity, raw };
}

function band(severity: number): keyof SeverityCounts {
  if (severity >= 9) return 'critical';
  if (severity >= 7) return 'high';
  if (severity >= 4) return 'medium';
  return 'low';
}

export default guardDutyCollector;

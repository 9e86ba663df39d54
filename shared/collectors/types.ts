/**
 * The collector contract. A collector reads one source for one scope and returns raw
 * facts; it never judges (checks do). The runner (`runner.ts`) gives each
 * (collector, scope) its own failure boundary and writes one snapshot per scope.
 */
import type { OrganizationInventory } from '../aws/organization.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';

export type Source = 'aws' | 'okta' | 'github';

/** What one collector run covers. `id` is the scope as written in keys and series names. */
export interface Scope {
  /** e.g. aws-123456789012-us-east-1, aws-123456789012, okta-example.okta.com, github-example */
  readonly id: string;
}

/** Facts about the environment that scopes are derived from, besides the config. */
export interface ScopeEnvironment {
  /** The AWS account of the credentials in use (STS GetCallerIdentity), when AWS is configured. */
  defaultAccountId?: string;
  /** The AWS organization as discovered today, when `aws.organization` is configured. */
  organization?: OrganizationInventory;
  /** Why the organization could not be discovered, when it could not. */
  organizationError?: Error;
}

export interface CollectorContext {
  readonly config: Config;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Count each API request and page here: they go into the snapshot's stats. */
  readonly stats: { requests: number; pages: number };
}

export interface CollectResult<D = unknown> {
  data: D;
  /** How many things were collected (detectors, users, groups, repositories, ...). */
  items: number;
  /** 'partial' when part of the scope could not be collected; `errors` then says what and why. */
  status?: 'ok' | 'partial';
  errors?: string[];
}

export interface Collector<S extends Scope = Scope, D = unknown> {
  /** Key segment and --only name, e.g. "guardduty". */
  readonly id: string;
  readonly source: Source;
  /** SOC 2 criteria the evidence supports, e.g. ["CC7.2"]. */
  readonly controls: readonly string[];
  readonly description: string;
  /**
   * Whether this config asks for the collector at all, when its source's section is not
   * enough (e.g. `organization` needs `aws.organization`). Absent: the source's section decides.
   */
  enabled?(config: Config): boolean;
  /** The scopes this collector covers: a pure function of the config and the environment. */
  scopes(config: Config, env: ScopeEnvironment): S[];
  /** Fetch the raw facts for one scope. Throw to record an error snapshot. */
  collect(scope: S, ctx: CollectorContext): Promise<CollectResult<D>>;
}

/** A collector of any scope type, as held in the registry. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds collectors of different scope and data types
export type AnyCollector = Collector<any, any>;

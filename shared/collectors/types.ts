/**
 * The collector contract. A collector reads one source for one scope and returns raw
 * facts; it never judges (checks do). The runner (`runner.ts`) gives each
 * (collector, scope) its own failure boundary and writes one snapshot per scope.
 *
 * A collector is one folder, `shared/collectors/<id>/`, plus one line in `registry.ts`:
 * - `declaration.ts`: its `Collector`, everything the rest of the product derives from it (the
 *   IAM actions of its role (AWS), its configuration section (zod), the secret variables it
 *   reads, its scopes, its controls), exported by name and as the default export. Light: no
 *   SDK or vendor client, so that config parsing, seal, verify and the CLI's reading commands
 *   never load a collector's code. The functions import these through the generated
 *   declarations-only list (declarations.generated.ts), never the registry, so no bundle
 *   carries check code.
 * - `collector.ts`: its implementation, a `RunnableCollector` (the declaration and `collect`)
 *   as the default export. Only what collects loads it: the collect function of that
 *   collector (whose bundle holds that one implementation, see functions/collect.ts) and
 *   the CLI (`implementations.ts`).
 * - its checks (one file each) and `index.ts`, the registry's entry: `{ collector, checks }`.
 * The CDK roles, the permissions lists, the expected series, the config schema and the
 * README/docs tables come from the registry (test/collectors/contract.test.ts).
 */
import type * as z from 'zod';
import type { OrganizationInventory } from '../aws/organization.js';
import type { Check } from '../checks/types.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Snapshot } from '../evidence/snapshot.js';
import type { Logger } from '../log.js';

export type Source = 'aws' | 'okta' | 'github';

export const SOURCES: readonly Source[] = ['aws', 'okta', 'github'];

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
  /**
   * A shard of a fanned-out run (shared/collectors/shards.ts): exactly these accounts are
   * collected, whatever the organization or `aws.accounts` hold; `aws.accounts` entries still
   * supply an account's name, role and external id.
   */
  shardAccounts?: readonly string[];
}

/**
 * The period a windowed collector's run covers ([from, to), UTC, whole days): from the end of
 * the last window its series holds (or the series' first day) to the end of the last complete
 * day at the run's scheduled time. Set by the runner (collectors/window.ts).
 */
export interface CoverageWindow {
  /** The last day covered (the day before `to`); for an empty window, the day before `from`. */
  day: string;
  from: string;
  to: string;
  /** Whole days covered: 1 normally, more when earlier runs failed, 0 when nothing is left to cover. */
  days: number;
  /** The snapshot whose window this one continues; null when it starts the series. */
  after: string | null;
  /** Why the window is what it is, in a sentence. */
  note: string;
}

export interface CollectorContext<T = undefined> {
  readonly config: Config;
  /** Windowed collectors only: the period this run covers, planned by the runner. */
  readonly window?: CoverageWindow;
  /** The collector's own configuration section, validated (undefined when it declares none). */
  readonly settings: T;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Count each API request and page here: they go into the snapshot's stats. */
  readonly stats: { requests: number; pages: number };
  /**
   * The newest earlier ok or partial snapshot of this series within the last 8 days (read only
   * when called): for a collector that carries state over (okta-users' rolling factor reads).
   */
  readonly previous?: () => Promise<PreviousSnapshot | undefined>;
}

/** An earlier snapshot of the same series, as `ctx.previous()` finds it. */
export interface PreviousSnapshot {
  key: string;
  collectedAt: string;
  data: unknown;
}

export interface CollectResult<D = unknown> {
  data: D;
  /** How many things were collected (detectors, users, groups, repositories, ...). */
  items: number;
  /** 'partial' when part of the scope could not be collected; `errors` then says what and why. */
  status?: 'ok' | 'partial';
  errors?: string[];
}

/** One key of a collector's configuration section, for the docs table. */
export interface SettingDoc {
  /** Key inside the section, e.g. "emergencyLabel" or "records.path". */
  readonly key: string;
  /** The default as written in the docs, e.g. "`emergency`" or "(none)". */
  readonly default: string;
  readonly meaning: string;
}

/**
 * A collector's own configuration section: `<source>.<key>` in evidence.config.json
 * (e.g. `github.changes`). The config schema is composed from these (shared/config.ts);
 * two collectors may share a section by declaring the same object.
 */
export interface CollectorSettings<T> {
  readonly key: string;
  readonly schema: z.ZodType<T>;
  /** Every key of the section, documented; a test compares them with the schema's keys. */
  readonly keys: readonly SettingDoc[];
}

/** What a collector declares about itself (its folder's `declaration.ts`): no implementation. */
export interface Collector<S extends Scope = Scope, D = unknown, T = undefined> {
  /** Key segment and --only name, e.g. "guardduty"; also its folder's name. */
  readonly id: string;
  readonly source: Source;
  /** SOC 2 criteria the evidence supports, e.g. ["CC7.2"]. */
  readonly controls: readonly string[];
  /** What a snapshot holds, one sentence (the README table shows it). */
  readonly description: string;
  /** How its scope ids look, e.g. "aws-<account>-<region>" (docs; every registered collector has one). */
  readonly scopePattern?: string;
  /** AWS collectors: every IAM action it calls; its role grants exactly these. */
  readonly permissions?: readonly string[];
  /**
   * AWS collectors that read only the account of the collecting credentials (the management or
   * delegated-administrator account: Organizations, IAM Identity Center) and never assume a
   * member account's role: the member accounts' role neither grants their actions nor trusts them.
   */
  readonly collectingAccountOnly?: boolean;
  /** Environment variables holding credentials it reads: registered for redaction, loaded from the source's secret in Lambda. */
  readonly secrets?: readonly string[];
  readonly settings?: CollectorSettings<T>;
  /**
   * Whether the configuration turns it on, given its settings (undefined when the section is
   * absent). Default: the source's section is present and, if it declares a section, so is that.
   */
  enabled?(config: Config, settings: T | undefined): boolean;
  /** With `enabled`: the configuration key that turns it on, e.g. "aws.organization" (messages, docs). */
  readonly enabledWhen?: string;
  /**
   * Its snapshots hold what happened over a period (`data.window`, a CoverageWindow), not a
   * state: each run covers from the end of the series' last window to the last complete day,
   * so the windows tile the audit period, and verify judges the series by their coverage.
   */
  readonly windowed?: boolean;
  /**
   * Its runs may leave work to the next run (okta-users: factor reads past one run's budget).
   * The stack schedules its function again on `schedule.collectAgain` (by default hourly from
   * 00:35 to 06:35 UTC; `false` turns it off).
   */
  readonly continues?: boolean;
  /** The scopes this collector covers: a pure function of the config and the environment. */
  scopes(config: Config, env: ScopeEnvironment): S[];
  /** Type only: the data its snapshots hold (never set; lets checks infer it from the declaration). */
  readonly __data?: D;
}

/** A collector with its implementation (its folder's `collector.ts`, default export): what the runner runs. */
export interface RunnableCollector<S extends Scope = Scope, D = unknown, T = undefined>
  extends Collector<S, D, T> {
  /** Fetch the raw facts for one scope. Throw to record an error snapshot. */
  collect(scope: S, ctx: CollectorContext<T>): Promise<CollectResult<D>>;
  /** Whose credentials collect this scope (`collectedBy` of every snapshot); see `Identity`. */
  identify(scope: S, ctx: CollectorContext<T>): Identity;
}

/** A collector of any scope type, as held in the registry. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds collectors of different scope, data and settings types
export type AnyCollector = Collector<any, any, any>;

/**
 * Who collected a snapshot (every snapshot records it): the AWS principal ARN of the scope's
 * credentials (STS GetCallerIdentity), the Okta OAuth client id or the API token's owner, the
 * GitHub App id or the token owner's login. Null `principal` with `error` when it could not be
 * established (the snapshot is then at best `partial`).
 */
export interface CollectedBy {
  principal: string | null;
  /** How it was established, e.g. "sts:GetCallerIdentity", "okta.clientId (configuration)". */
  method: string;
  error?: string;
}

/**
 * How a collector learns who it collects as, for one scope: `key` names the credentials (the
 * runner asks once per key and run, however many collectors and scopes share them), `resolve`
 * asks (at most one cheap call). Every runnable collector has one: the source's plumbing
 * provides it (aws/principal.ts, okta/identity.ts, github/connect.ts).
 */
export interface Identity {
  readonly key: string;
  readonly method: string;
  resolve(): Promise<string>;
}

/** A runnable collector of any scope type. */
// biome-ignore lint/suspicious/noExplicitAny: the runner holds collectors of different scope, data and settings types
export type AnyRunnableCollector = RunnableCollector<any, any, any>;

/** The data type a collector stores. */
export type DataOf<C> = C extends Collector<Scope, infer D, infer _T> ? D : never;

/** One occurrence of a control (a merged change, ...) as `sample --population` sees it. */
export interface PopulationItem {
  /** Stable id, e.g. `owner/repo#12`. */
  id: string;
  /** When it happened (ISO): the item belongs to the window this falls in. */
  at: string;
  url: string;
  /** Columns of the workpaper, in order (author, approvers, linked record, ...). */
  fields: Record<string, string>;
  /** People populations: the attributes an item can be stratified by (`--strata`), as text. */
  strata?: Record<string, string>;
  verdict: 'pass' | 'fail';
  detail: string;
}

/**
 * A population of occurrences held in a collector's snapshots, for `sample --population
 * <name>`: the items of each snapshot, whichever snapshot holds them.
 */
export interface Population<D = unknown> {
  readonly name: string;
  readonly collector: string;
  readonly description: string;
  readonly columns: readonly string[];
  /**
   * Other collectors whose snapshots the verdicts need (e.g. the change records an emergency
   * change must link): the sampler reads them over the same days, proved against the digest
   * chain like the population's own, and hands them to `items`.
   */
  readonly related?: readonly string[];
  /**
   * `occurrences` (default): every item whose time lies in the window. `people`: who one snapshot
   * holds on a day drawn from the window, optionally stratified (shared/sample/people.ts).
   */
  readonly kind?: 'occurrences' | 'people';
  /** The workpaper's heading of the item id column (default "change"). */
  readonly idColumn?: string;
  items(snapshot: Snapshot<D>, config: Config, related: RelatedSnapshots): PopulationItem[];
}

/** A snapshot of a related collector, as the sampler read it. */
export interface RelatedSnapshot {
  key: string;
  sha256: string;
  snapshot: Snapshot;
  /** Why it cannot be relied on (not sealed, altered); null when its digest proves it. */
  integrity: string | null;
}

/** The related collectors' snapshots a population's verdicts may use. */
export interface RelatedSnapshots {
  /**
   * The snapshot of `collector` for `scope` whose `data.window` [from, to) holds the instant
   * `at` (ok or partial; sealed ones first, then the latest collected); undefined when none does.
   */
  covering(collector: string, scope: string, at: string): RelatedSnapshot | undefined;
  /** People populations: the snapshot of `collector` for `scope` of the drawn day (latest intact one). */
  sameDay?(collector: string, scope: string): RelatedSnapshot | undefined;
}

/** No related snapshots (a population that declares none). */
export const NO_RELATED: RelatedSnapshots = { covering: () => undefined };

/** An account as an access review sees it (shared/review/): one of the system's accounts in a sealed snapshot. */
export interface ReviewAccount {
  /** The login (Okta, GitHub), `<account id>/user/<name>` or `<account id>/role/<name>` (AWS); `<scope>/` first with several scopes. */
  account: string;
  kind: 'user' | 'member' | 'outside-collaborator' | 'iam-user' | 'iam-role';
  scope: string;
  /** The names this account goes by in the system (a reviewer with one of them reviews their own account). */
  identities: string[];
  /** Groups (Okta, IAM), `role:<role>` (GitHub members), `outside-collaborators` and `repo:<name>`: what a reviewers file maps. */
  groups: string[];
  /** The Okta `manager` profile attribute, when the user has one. */
  manager: string | null;
  /** Read-only context for the reviewer (status, role, last login, console, keys, trust ...). */
  context: Record<string, string>;
}

/** The accounts cannot be read from this snapshot (malformed, or the collection did not read them all). */
export class ReviewPopulationError extends Error {
  override name = 'ReviewPopulationError';
}

/**
 * The accounts an access review of `system` covers, read from one snapshot of the collector
 * (and the same day's snapshots of `related`, e.g. Okta groups). An account absent from a later
 * snapshot is removed. Pure; throws ReviewPopulationError when it cannot vouch for the list.
 */
export interface ReviewAccounts<D = unknown> {
  readonly system: 'okta' | 'github' | 'aws';
  readonly related?: readonly string[];
  /** What the population is, in one sentence (docs and workpapers). */
  readonly description: string;
  accounts(snapshot: Snapshot<D>, related: readonly Snapshot[], prefix: string): ReviewAccount[];
}

/** What one folder exports: a collector, the checks that judge its snapshots, its populations. */
export interface CollectorModule {
  readonly collector: AnyCollector;
  // biome-ignore lint/suspicious/noExplicitAny: checks over the collector's data type
  readonly checks: readonly Check<any>[];
  // biome-ignore lint/suspicious/noExplicitAny: populations over the collector's data type
  readonly populations?: readonly Population<any>[];
  /** The accounts an access review of its system covers (shared/review/). */
  // biome-ignore lint/suspicious/noExplicitAny: over the collector's data type
  readonly reviewAccounts?: ReviewAccounts<any>;
}

/** The collector's settings as validated at load, or undefined when its section is absent. */
export function settingsOf<T>(collector: Collector<Scope, unknown, T>, config: Config): T | undefined {
  if (!collector.settings) return undefined;
  const section = (config as unknown as Record<string, Record<string, unknown> | undefined>)[
    collector.source
  ];
  return section?.[collector.settings.key] as T | undefined;
}

/** Whether this configuration turns the collector on. */
export function isEnabled(collector: AnyCollector, config: Config): boolean {
  if (config[collector.source] === undefined) return false;
  const settings = settingsOf(collector, config);
  if (collector.enabled) return collector.enabled(config, settings);
  return collector.settings === undefined || settings !== undefined;
}

/** Why a collector is off, for messages: the section it needs. */
export function requiredSection(collector: AnyCollector): string {
  return (
    collector.enabledWhen ??
    (collector.settings ? `${collector.source}.${collector.settings.key}` : collector.source)
  );
}

/**
 * The Lambda secret of each vendor source and the variables it may hold: `<SOURCE>_SECRET_PARAMETER`
 * → every `secrets` entry of that source's collectors (AWS collectors use their role instead).
 */
export function secretVariables(collectors: readonly AnyCollector[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const c of collectors) {
    if (c.source === 'aws' || !c.secrets?.length) continue;
    const key = `${c.source.toUpperCase()}_SECRET_PARAMETER`;
    out[key] = [...new Set([...(out[key] ?? []), ...c.secrets])];
  }
  return out;
}

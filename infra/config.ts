/**
 * The CDK side of the configuration: the same `evidence.config.json` the CLI reads
 * (validated by shared/config.ts, so an unknown region or a malformed cron fails synth
 * with the key, the value and the fix), plus the plan of what to deploy: one collector
 * function per registered collector whose source is configured, and the IAM read actions
 * of each AWS collector. A configured source without a registered collector, or an AWS
 * collector without a list of read actions, is a synth error naming it: never a silent skip.
 */

import { awsReadActions } from '../shared/aws/permissions.js';
import { COLLECTORS } from '../shared/collectors/registry.js';
import { selectCollectors } from '../shared/collectors/runner.js';
import { type AnyCollector, SOURCES, type Source } from '../shared/collectors/types.js';
import { type Config, configPath, loadConfig } from '../shared/config.js';
import { ConfigError } from '../shared/errors.js';

/** What the stack needs to know about a collector: its id and its source. */
export type CollectorInfo = Pick<AnyCollector, 'id' | 'source' | 'description'> & Partial<AnyCollector>;

/** One collector function to deploy. */
export interface PlannedCollector {
  readonly id: string;
  readonly source: Source;
  readonly description: string;
  /** AWS collectors: the read actions their role is granted (sorted, unique). Empty otherwise. */
  readonly readActions: readonly string[];
  /** Reads only the collecting account (the collector's `collectingAccountOnly`): never in a member account's role. */
  readonly collectingAccountOnly?: boolean;
  /** Its runs may leave work to the next (the collector's `continues`): scheduled again by `schedule.collectAgain` (on by default). */
  readonly continues?: boolean;
}

export interface PlanOptions {
  collectors?: readonly CollectorInfo[];
  readActions?: Readonly<Record<string, readonly string[]>>;
}

/**
 * The collector functions this configuration deploys. Throws ConfigError when a configured
 * source has no registered collector or an AWS collector has no read actions.
 */
export function planCollectors(config: Config, options: PlanOptions = {}): PlannedCollector[] {
  const collectors = options.collectors ?? COLLECTORS;
  const readActions = options.readActions ?? awsReadActions(collectors as readonly AnyCollector[]);
  const missing = SOURCES.filter(
    (source) => config[source] !== undefined && !collectors.some((c) => c.source === source),
  );
  if (missing.length) {
    throw new ConfigError(
      `the configuration has ${missing.map((s) => `a "${s}" section`).join(' and ')} but no collector for ` +
        `${missing.length > 1 ? 'these sources is' : 'that source is'} registered in shared/collectors/registry.ts; ` +
        'remove the section from evidence.config.json or register a collector for it',
    );
  }
  return selectCollectors(config, undefined, collectors as readonly AnyCollector[]).map((c) => {
    if (c.source !== 'aws')
      return {
        id: c.id,
        source: c.source,
        description: c.description,
        readActions: [],
        ...(c.continues && { continues: true }),
      };
    const actions = readActions[c.id];
    if (!actions || actions.length === 0) {
      throw new ConfigError(
        `the AWS collector "${c.id}" has no IAM read actions, so its role would be unusable; ` +
          'declare them as `permissions` in its folder (shared/collectors/<id>/collector.ts)',
      );
    }
    return {
      id: c.id,
      source: c.source,
      description: c.description,
      readActions: [...new Set(actions)].sort(),
      ...(c.collectingAccountOnly && { collectingAccountOnly: true }),
    };
  });
}

/** Every AWS read action of the planned collectors: what the member-account role allows. */
export function allReadActions(planned: readonly PlannedCollector[]): string[] {
  return [...new Set(planned.flatMap((c) => c.readActions))].sort();
}

/**
 * The configuration for synth: `-c config=PATH`, then EVIDENCE_CONFIG, then ./evidence.config.json.
 * Always a file: EVIDENCE_CONFIG_JSON is for the Lambda functions, not for synth.
 */
export function loadStackConfig(file: string | undefined): Config {
  return loadConfig(configPath(file), COLLECTORS);
}

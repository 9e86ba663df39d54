/**
 * Every IAM action the AWS collectors call, by collector, derived from what each collector
 * declares (`permissions`): the collector role in the CDK stack (and the role each member
 * account deploys for `aws.accounts`) grants exactly these, and the docs list them
 * (generated from the registry).
 */
import { COLLECTORS } from '../collectors/declarations.generated.js';
import type { AnyCollector } from '../collectors/types.js';

/** Each AWS collector's IAM actions, by collector id. */
export function awsReadActions(
  collectors: readonly AnyCollector[] = COLLECTORS,
): Readonly<Record<string, readonly string[]>> {
  return Object.fromEntries(
    collectors.filter((c) => c.source === 'aws').map((c) => [c.id, [...(c.permissions ?? [])]]),
  );
}

export const AWS_READ_ACTIONS: Readonly<Record<string, readonly string[]>> = awsReadActions();

/** Every read action of every AWS collector, sorted, each once. */
export function allAwsReadActions(collectors: readonly AnyCollector[] = COLLECTORS): string[] {
  return [...new Set(Object.values(awsReadActions(collectors)).flat())].sort();
}

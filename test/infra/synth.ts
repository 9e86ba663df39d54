/** Synthesize the Evidence Locker app for assertions, without esbuild unless asked. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { REPO_ROOT } from '../../infra/constructs/evidence-function.js';
import { type BuildOptions, buildApp } from '../../infra/stacks.js';
import { type ConfigInput, parseConfig } from '../../shared/config.js';

export const BASE_CONFIG: ConfigInput = {
  locker: { retentionDays: 730 },
  aws: {
    regions: ['us-east-1', 'eu-west-1'],
    accounts: [
      { id: '222222222222', externalId: 'evidence-ext-1' },
      { id: '333333333333', roleName: 'AuditRead' },
    ],
  },
  okta: { orgUrl: 'https://example.okta.com', privilegedGroups: ['Administrators'] },
  github: { org: 'example', requiredApprovals: 1 },
  auditPeriod: { start: '2026-01-01' },
  alerts: { emails: ['security@example.com'] },
};

const CDK_CONTEXT = (
  JSON.parse(readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> }
).context;

/** Build the app; `bundle: false` skips esbuild (the assets are then placeholders). */
export function synthApp(
  config: ConfigInput = BASE_CONFIG,
  options: BuildOptions & { bundle?: boolean; context?: Record<string, unknown> } = {},
) {
  const { bundle = false, context = {}, ...build } = options;
  const app = new App({
    // The feature flags of cdk.json, as `npx cdk synth` applies them (and `-c key=value`).
    context: { ...CDK_CONTEXT, ...(bundle ? {} : { 'aws:cdk:bundling-stacks': [] }), ...context },
  });
  const stacks = buildApp(app, parseConfig(config, 'test config'), {
    env: { account: '111111111111', region: 'us-east-1' },
    ...build,
  });
  return { app, ...stacks };
}

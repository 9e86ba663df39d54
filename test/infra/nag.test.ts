/**
 * cdk-nag (AWS Solutions pack) runs at synth: the app must synthesize with no unacknowledged
 * finding. This is also the one test that bundles the functions with esbuild for real.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, type CfnResource, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { afterAll, describe, expect, it } from 'vitest';
import type { ConfigInput } from '../../shared/config.js';
import { BASE_CONFIG, synthApp } from './synth.js';

const outdirs: string[] = [];
afterAll(() => {
  for (const d of outdirs) rmSync(d, { recursive: true, force: true });
});

describe('cdk-nag', () => {
  it('passes on the whole app with real esbuild bundles and every option on (every acknowledgement has a reason)', () => {
    // Every optional resource: the locker CMK, the dashboard, the member StackSet, every alert destination.
    const { app, evidence } = synthApp(
      {
        ...BASE_CONFIG,
        locker: { retentionDays: 730, encryption: 'SSE-KMS' },
        aws: { ...BASE_CONFIG.aws!, memberStackSet: { targets: ['ou-ab12-cd34ef56'] } },
        alerts: {
          emails: ['security@example.com'],
          slack: [{ workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' }],
          teams: [
            {
              tenantId: '11111111-2222-3333-4444-555555555555',
              teamId: '66666666-7777-8888-9999-000000000000',
              channelId: '19%3aabc123%40thread.tacv2',
            },
          ],
          webhooks: [{ name: 'pagerduty', format: 'pagerduty' }],
          dashboard: true,
        },
      },
      { bundle: true },
    );
    const assembly = app.synth();
    outdirs.push(assembly.directory);
    const report = JSON.parse(readFileSync(path.join(assembly.directory, 'validation-report.json'), 'utf8'));
    const violations = (report.pluginReports ?? []).flatMap(
      (r: { violations?: unknown[] }) => r.violations ?? [],
    );
    expect(violations).toEqual([]);
    // The bundles are real minified ESM with source maps: one asset per function (each
    // collector's function bundles its own code); besides them, the configuration file's layer.
    const all = readdirSync(assembly.directory).filter((f) => f.startsWith('asset.'));
    const configAssets = all.filter((f) =>
      existsSync(path.join(assembly.directory, f, 'evidence.config.json')),
    );
    expect(configAssets).toHaveLength(1);
    const assets = all.filter((f) => !configAssets.includes(f));
    expect(assets.length).toBe(
      evidence.collectorFunctions.size +
        1 +
        (evidence.verifyFunction ? 1 : 0) +
        (evidence.verifyRun ? 1 : 0) +
        (evidence.webhookFunction ? 1 : 0),
    );
    for (const asset of assets) {
      const dir = path.join(assembly.directory, asset);
      expect(existsSync(path.join(dir, 'index.mjs.map')), asset).toBe(true);
      const code = readFileSync(path.join(dir, 'index.mjs'), 'utf8');
      // Minified: long lines (only template literals keep their newlines).
      expect(code.length / code.split('\n').length, `${asset} is minified`).toBeGreaterThan(500);
      expect(code).toMatch(/export\s*\{[^}]*handler/);
    }
  }, 180_000);

  it('fails synth on an unacknowledged finding (the guard rail is live)', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'nag-'));
    outdirs.push(outdir);
    const app = new App({ outdir });
    const stack = new Stack(app, 'Bad');
    new s3.Bucket(stack, 'NoSslNoLogs');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-S(1|10)/);
  });
});

/**
 * Every acknowledgement of the app, per construct: `<construct path>  <rule id>`. cdk-nag reads
 * them from the construct metadata `Validations.acknowledge` writes (walking up from each resource).
 */
function acknowledgements(root: IConstruct): Map<string, IConstruct> {
  const out = new Map<string, IConstruct>();
  const walk = (c: IConstruct) => {
    for (const entry of c.node.metadata)
      if (entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY && entry.data)
        for (const id of Object.keys(entry.data as Record<string, string>))
          out.set(`${c.node.path}  ${id.replace(/^annotation::/i, '')}`, c);
    for (const child of c.node.children) walk(child);
  };
  walk(root);
  return out;
}

/** Run the AWS Solutions pack over `app` and return the acknowledgements no finding used. */
function unusedAcknowledgements(app: App): string[] {
  const pack = new AwsSolutionsChecks(app) as unknown as {
    isAcknowledged(resource: CfnResource, ruleId: string): boolean;
    validateScope(scope: IConstruct): { violations: unknown[] };
  };
  const used = new Set<string>();
  const original = pack.isAcknowledged.bind(pack);
  // A finding a rule reports is suppressed by the acknowledgement of its id on the resource or
  // any construct above it: each such acknowledgement is used.
  pack.isAcknowledged = (resource, ruleId) => {
    const hit = original(resource, ruleId);
    if (hit)
      for (let c: IConstruct | undefined = resource; c; c = c.node.scope)
        used.add(`${c.node.path}  ${ruleId}`);
    return hit;
  };
  const report = pack.validateScope(app);
  expect(report.violations).toEqual([]);
  return [...acknowledgements(app).keys()].filter((k) => !used.has(k)).sort();
}

describe('cdk-nag acknowledgements', () => {
  const organization = JSON.parse(
    readFileSync(path.join(__dirname, '../fixtures/deploy/organization.config.json'), 'utf8'),
  ) as ConfigInput;
  const configs: [string, ConfigInput][] = [
    ['the default test configuration', BASE_CONFIG],
    ['an organization (fan-out, StackSet, dashboard)', organization],
    [
      'every option on (locker key, webhooks, chat)',
      {
        ...BASE_CONFIG,
        locker: { retentionDays: 730, encryption: 'SSE-KMS' },
        alerts: {
          emails: ['security@example.com'],
          slack: [{ workspaceId: 'T0123ABCD', channelId: 'C0456EFGH' }],
          webhooks: [{ name: 'pagerduty', format: 'pagerduty' }],
          dashboard: true,
        },
      },
    ],
    ['a trial locker', { ...BASE_CONFIG, locker: { retentionDays: 1, trial: true, expireAfterDays: 2 } }],
  ];

  it.each(configs)('every acknowledgement matches a finding: %s', (_, config) => {
    const { app } = synthApp(config, { nag: false });
    app.synth();
    expect(unusedAcknowledgements(app)).toEqual([]);
  });

  it('an acknowledgement that matches nothing is reported (the check can fail)', () => {
    const { app, evidence } = synthApp(BASE_CONFIG, { nag: false });
    Validations.of(evidence.sealFunction).acknowledge({ id: 'AwsSolutions-S1', reason: 'matches nothing' });
    app.synth();
    expect(unusedAcknowledgements(app)).toEqual([`${evidence.sealFunction.node.path}  AwsSolutions-S1`]);
  });
});

/**
 * cdk-nag (AWS Solutions pack) runs at synth: the app must synthesize with no unacknowledged
 * finding. This is also the one test that bundles the functions with esbuild for real.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
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

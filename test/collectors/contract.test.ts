/**
 * The collector contract: a new collector is one folder and one registry line. Everything
 * else (config schema, roles and their actions, Lambda secrets, expected series, checks, the
 * README/docs tables) is derived from the registry; these tests fail when that stops being true.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { planCollectors } from '../../infra/config.js';
import {
  declarationsModule,
  registryBlocks,
  SHARD_COLLECTORS_FILE,
  shardCollectorsModule,
  staleBlocks,
} from '../../scripts/registry-docs.js';
import { allAwsReadActions } from '../../shared/aws/permissions.js';
import { defineCheck, pass } from '../../shared/checks/types.js';
import { loadCollector } from '../../shared/collectors/implementations.js';
import { COLLECTORS, MODULES } from '../../shared/collectors/registry.js';
import { selectCollectors } from '../../shared/collectors/runner.js';
import {
  type Collector,
  type CollectorModule,
  type CollectorSettings,
  type Scope,
  secretVariables,
} from '../../shared/collectors/types.js';
import { parseConfig } from '../../shared/config.js';
import { ConfigError } from '../../shared/errors.js';
import { expectedSeries } from '../../shared/verify/expected.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/** A collector as someone would declare it: its own settings, IAM actions, secrets, data type and a check. */
interface WidgetData {
  widgets: { name: string; locked: boolean }[];
}
const WidgetSettings = z.object({ minimum: z.number().int().default(1) }).strict();
const widgetSettings: CollectorSettings<z.infer<typeof WidgetSettings>> = {
  key: 'widgets',
  schema: WidgetSettings,
  keys: [{ key: 'minimum', default: '1', meaning: 'fewest widgets' }],
};
const widgetCollector: Collector<Scope, WidgetData, z.infer<typeof WidgetSettings>> = {
  id: 'example-widgets',
  source: 'aws',
  controls: ['CC6.1'],
  description: 'every widget and whether it is locked',
  scopePattern: 'aws-<account>',
  permissions: ['widgets:ListWidgets'],
  secrets: ['WIDGET_TOKEN'],
  settings: widgetSettings,
  scopes: (_config, env) => [{ id: `aws-${env.defaultAccountId}` }],
};
const widgetCheck = defineCheck(widgetCollector, {
  id: 'widgets-locked',
  title: 'Widgets locked',
  description: 'every widget is locked',
  procedure: 'Open the snapshot; confirm every entry of `data.widgets` has `locked` true.',
  remediation: 'Lock the widget.',
  // The data type is the collector's: `snapshot.data.widgets` type-checks without a cast.
  run: (snapshot, _config, settings) =>
    pass(`${snapshot.data.widgets.length} widget(s), minimum ${settings?.minimum ?? 1}`),
});
const widgets: CollectorModule = { collector: widgetCollector, checks: [widgetCheck] };
const withWidgets = [...COLLECTORS, widgetCollector];

const base = {
  locker: { retentionDays: 730 },
  auditPeriod: { start: '2026-01-01' },
  aws: { regions: ['us-east-1'] },
};

describe('a new collector needs its folder and the registry line, nothing else', () => {
  it('its configuration section is validated with the rest, strictly', () => {
    const config = parseConfig({ ...base, aws: { ...base.aws, widgets: {} } }, 'test', withWidgets);
    expect((config.aws as Record<string, unknown>).widgets).toEqual({ minimum: 1 });
    expect(() =>
      parseConfig({ ...base, aws: { ...base.aws, widgets: { minimun: 2 } } }, 'test', withWidgets),
    ).toThrow(/aws\.widgets.*minimun/s);
    // Unknown to a registry without it: still an error, never silently ignored.
    expect(() => parseConfig({ ...base, aws: { ...base.aws, widgets: {} } }, 'test')).toThrow(ConfigError);
  });

  it('it runs, is deployed and is expected exactly when its section is present', () => {
    const off = parseConfig(base, 'test', withWidgets);
    const on = parseConfig({ ...base, aws: { ...base.aws, widgets: { minimum: 3 } } }, 'test', withWidgets);
    expect(selectCollectors(off, undefined, withWidgets).map((c) => c.id)).not.toContain('example-widgets');
    expect(selectCollectors(on, undefined, withWidgets).map((c) => c.id)).toContain('example-widgets');
    const planned = planCollectors(on, { collectors: withWidgets });
    expect(planned.find((c) => c.id === 'example-widgets')?.readActions).toEqual(['widgets:ListWidgets']);
    expect(allAwsReadActions(withWidgets)).toContain('widgets:ListWidgets');
    const expected = expectedSeries(on, selectCollectors(on, undefined, withWidgets), {
      defaultAccountId: '123456789012',
    });
    expect(expected.series.map((s) => s.series)).toContain('example-widgets/aws-123456789012');
  });

  it('its secrets, settings keys and check appear in the derived lists and tables', () => {
    expect(
      secretVariables([...COLLECTORS, { ...widgetCollector, source: 'okta' }]).OKTA_SECRET_PARAMETER,
    ).toContain('WIDGET_TOKEN');
    const blocks = Object.fromEntries(registryBlocks([...MODULES, widgets]).map((b) => [b.name, b.body]));
    expect(blocks.collectors).toContain('| `example-widgets` | `aws-<account>` | `aws.widgets` |');
    expect(blocks.checks).toContain(
      '| `widgets-locked` | `example-widgets` | CC6.1 | every widget is locked |',
    );
    expect(blocks.settings).toContain('| `aws.widgets.minimum` | 1 | fewest widgets |');
    expect(blocks['aws-permissions']).toContain('- `example-widgets`: `widgets:ListWidgets`');
    expect(blocks['check-procedures']).toContain('### `widgets-locked`: Widgets locked');
  });

  it("an AWS collector's code reaches the fan-out shard through the generated module, no hand-kept import", () => {
    const generated = shardCollectorsModule([...MODULES, widgets]);
    expect(generated).toContain(
      "import exampleWidgets from '../shared/collectors/example-widgets/collector.js';",
    );
    expect(generated).toMatch(/SHARD_COLLECTORS[^=]*= \[[^\]]*\bexampleWidgets\b[^\]]*\]/);
    // The organization collector is the plan's; another source's collector is never the shard's.
    expect(generated).not.toContain('/organization/');
    const okta = shardCollectorsModule([
      ...MODULES,
      { ...widgets, collector: { ...widgetCollector, source: 'okta' } },
    ]);
    expect(okta).not.toContain('example-widgets');
    expect(okta).toBe(shardCollectorsModule(MODULES));
  });

  it('no product file outside a collector folder imports from one, except the registry (and what is derived from it)', () => {
    // The fan-out's shard bundles every AWS collector's code but organization's, imported by name
    // (a bundler cannot fold a list of paths) in a module `npm run docs` writes from the registry,
    // like the docs tables: stale, it fails the test below. plan.ts imports the organization
    // collector, the one collector the fan-out is built around (not a list to keep).
    const allowed = new Set(['functions/plan.ts', SHARD_COLLECTORS_FILE]);
    const offenders: string[] = [];
    for (const dir of ['shared', 'functions', 'infra', 'scripts']) {
      for (const file of sourceFiles(path.join(ROOT, dir))) {
        const rel = path.relative(ROOT, file);
        if (allowed.has(rel)) continue;
        if (rel === 'shared/collectors/registry.ts' || /^shared\/collectors\/[^/]+\//.test(rel)) continue;
        const text = readFileSync(file, 'utf8');
        if (/from '[^']*collectors\/[a-z0-9-]+\/[^']*'/.test(text)) offenders.push(rel);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("the declarations-only list is the registry's collectors, each its folder's declaration.ts default export", async () => {
    // What the functions import instead of the registry (no check code in their bundles).
    expect(COLLECTORS).toHaveLength(MODULES.length);
    for (const [i, m] of MODULES.entries()) expect(COLLECTORS[i], m.collector.id).toBe(m.collector);
    for (const { collector } of MODULES) {
      // A path in a variable, as implementations.ts loads collector.ts.
      const specifier = `../../shared/collectors/${collector.id}/declaration.js`;
      const declared = (await import(/* @vite-ignore */ specifier)) as { default?: unknown };
      expect(declared.default, `${collector.id}/declaration.ts default export`).toBe(collector);
    }
    expect(declarationsModule([...MODULES, widgets])).toContain(
      "import exampleWidgets from './example-widgets/declaration.js';",
    );
  });

  it('no collector module imports the registry (each folder loads on its own)', () => {
    for (const m of MODULES) {
      for (const file of sourceFiles(path.join(ROOT, 'shared/collectors', m.collector.id))) {
        expect(readFileSync(file, 'utf8'), path.relative(ROOT, file)).not.toMatch(/registry\.js'/);
      }
    }
  });

  it("each folder's code is its collector.ts, default export: the declaration itself plus collect()", async () => {
    for (const { collector } of MODULES) {
      const runnable = await loadCollector(collector);
      expect(typeof runnable.collect, collector.id).toBe('function');
      // Spread from the declaration, not a second copy of it: nothing can drift apart.
      for (const [key, value] of Object.entries(collector))
        expect(runnable[key as keyof typeof runnable], `${collector.id}.${key}`).toBe(value);
    }
    await expect(loadCollector({ ...widgetCollector })).rejects.toThrow(
      /shared\/collectors\/example-widgets\/collector\.ts/,
    );
  });

  it('declarations, checks and index files import no collector code (config, seal and verify load none)', () => {
    for (const { collector } of MODULES) {
      const folder = path.join(ROOT, 'shared/collectors', collector.id);
      for (const file of sourceFiles(folder)) {
        if (path.basename(file) === 'collector.ts' || path.basename(file) === 'connect.ts') continue;
        const imports = [...readFileSync(file, 'utf8').matchAll(/^import (?!type )[^;]*?from '([^']+)'/gms)];
        for (const [, from] of imports)
          expect(from, path.relative(ROOT, file)).not.toMatch(
            /collector\.js$|connect\.js$|^@aws-sdk\/client-|^@octokit|vendors\//,
          );
      }
    }
  });

  it('every registered folder is named after its collector and documents every settings key', () => {
    const folders = readdirSync(path.join(ROOT, 'shared/collectors')).filter((f) =>
      statSync(path.join(ROOT, 'shared/collectors', f)).isDirectory(),
    );
    expect(folders.sort()).toEqual(MODULES.map((m) => m.collector.id).sort());
    for (const { collector, checks } of MODULES) {
      expect(collector.scopePattern, collector.id).toBeTruthy();
      if (collector.source === 'aws') expect(collector.permissions?.length, collector.id).toBeGreaterThan(0);
      for (const check of checks) {
        expect(check.collector).toBe(collector.id);
        for (const field of [check.title, check.procedure, check.remediation])
          expect(field.length).toBeGreaterThan(5);
        // docs/reliance.md states, per check, what it does not test and its limitations.
        expect(check.reliance?.doesNotTest.length, check.id).toBeGreaterThan(10);
        expect(check.reliance?.limitations.length, check.id).toBeGreaterThan(10);
        // ... and which "as of" time of its source it relies on, with its bound, or why there is none.
        expect(check.reliance?.freshness, check.id).toMatch(
          /checks\.(freshnessHours|backupMaxAgeHours)|"as of"|as of the|own bounds/,
        );
      }
      const schema = collector.settings?.schema;
      if (schema instanceof z.ZodObject) {
        const documented = collector.settings!.keys.map((k) => k.key.split('.')[0]);
        expect([...new Set(documented)].sort(), collector.id).toEqual(Object.keys(schema.shape).sort());
      }
    }
  });
});

describe('README and docs tables and the generated shard module derived from the registry', () => {
  it('are current (run `npm run docs` after changing a collector or a check)', () => {
    expect(staleBlocks()).toEqual([]);
  });
});

function* sourceFiles(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sourceFiles(full);
    else if (entry.name.endsWith('.ts')) yield full;
  }
}

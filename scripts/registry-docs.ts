/**
 * What is derived from the collector registry as files: the README/docs tables (which
 * collectors and checks exist, their scopes, controls, configuration sections, IAM actions and
 * secret variables) and the fan-out shard's list of collector code
 * (functions/shard-collectors.generated.ts). Each table sits between `<!-- registry:NAME -->`
 * and `<!-- /registry:NAME -->` in a Markdown file; test/collectors/contract.test.ts fails when
 * a table or the generated module is stale, and `npm run docs` rewrites them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RECORD_CHECKS } from '../shared/checks/registry.js';
import type { AnyCheck } from '../shared/checks/types.js';
import { MODULES } from '../shared/collectors/registry.js';
import { type CollectorModule, requiredSection } from '../shared/collectors/types.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\s*\n\s*/g, ' ');
}

function table(head: string[], rows: string[][]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ].join('\n');
}

const code = (s: string) => `\`${s}\``;

/** Every generated block: name → the file it lives in and its Markdown. */
export function registryBlocks(modules: readonly CollectorModule[] = MODULES): {
  name: string;
  file: string;
  body: string;
}[] {
  const collectors = modules.map((m) => m.collector);
  const checks: AnyCheck[] = modules.flatMap((m) => m.checks);
  return [
    {
      name: 'collectors',
      file: 'README.md',
      body: table(
        ['collector', 'scope', 'on when the config has', 'stores', 'controls'],
        collectors.map((c) => [
          code(c.id),
          code(c.scopePattern ?? '?'),
          code(requiredSection(c)),
          c.description,
          c.controls.join(', '),
        ]),
      ),
    },
    {
      name: 'checks',
      file: 'README.md',
      body: table(
        ['check', 'reads', 'control', 'passes when'],
        [
          ...checks.map((c) => [code(c.id), code(c.collector), c.controls.join(', '), c.description]),
          ...RECORD_CHECKS.map((c) => [code(c.id), code(c.reads), c.controls.join(', '), c.description]),
        ],
      ),
    },
    {
      name: 'settings',
      file: 'README.md',
      body: table(
        ['key', 'default', 'meaning'],
        uniqueSections(collectors).flatMap(({ prefix, keys, id }) =>
          keys.length
            ? keys.map((k) => [code(`${prefix}.${k.key}`), k.default, k.meaning])
            : // A section without keys: its presence (`{}`) is the setting.
              [[code(prefix), '(absent)', `\`{}\` turns on \`${id}\``]],
        ),
      ),
    },
    {
      name: 'check-procedures',
      file: 'docs/checks.md',
      body: [
        ...checks.map((c) => ({ ...c, reads: `reads \`${c.collector}\` snapshots` })),
        ...RECORD_CHECKS.map((c) => ({ ...c, reads: `reads the signed records under \`${c.reads}\`` })),
      ]
        .map((c) =>
          [
            `### \`${c.id}\`: ${c.title}`,
            '',
            `- Controls: ${c.controls.join(', ')}; ${c.reads}.`,
            `- Passes when: ${c.description}.`.replace(/\.\.$/, '.'),
            `- Procedure: ${c.procedure}`,
            `- Remediation: ${c.remediation}`,
          ].join('\n'),
        )
        .join('\n\n'),
    },
    {
      name: 'reliance',
      file: 'docs/reliance.md',
      body: checks
        .map((c) => {
          const collector = collectors.find((x) => x.id === c.collector)!;
          return [
            `### \`${c.id}\`: ${c.title}`,
            '',
            `- Criteria: ${c.controls.join(', ')}.`,
            `- Population: ${populationOf(collector)}`,
            `- Completeness: ${completenessOf(collector)}`,
            `- Tests: ${c.description}.`.replace(/\.\.$/, '.'),
            `- Re-performed by: ${c.procedure}`,
            `- Does not test: ${c.reliance?.doesNotTest ?? '(not stated: add reliance to the check)'}`,
            `- Limitations: ${c.reliance?.limitations ?? '(not stated: add reliance to the check)'}`,
            `- Freshness: ${c.reliance?.freshness ?? '(not stated: add reliance to the check)'}`,
          ].join('\n');
        })
        .join('\n\n'),
    },
    {
      name: 'aws-permissions',
      file: 'docs/aws-collectors.md',
      body: collectors
        .filter((c) => c.source === 'aws')
        .map((c) => `- \`${c.id}\`: ${(c.permissions ?? []).map(code).join(', ') || '(none declared)'}`)
        .join('\n'),
    },
    {
      name: 'secrets',
      file: 'docs/okta-github.md',
      body: table(
        ['collector', 'reads these variables (in Lambda: from the source secret)'],
        collectors
          .filter((c) => c.secrets?.length)
          .map((c) => [code(c.id), (c.secrets ?? []).map(code).join(', ')]),
      ),
    },
  ];
}

/** The population a check judges: its collector's snapshots, one per series per day (or its window). */
function populationOf(c: CollectorModule['collector']): string {
  const per = c.windowed
    ? 'one snapshot per series for each window of whole days'
    : 'one snapshot per series per day';
  return `the \`${c.id}\` snapshots, ${per}; a series is one scope \`${c.scopePattern ?? '?'}\`.`;
}

/** Why the series are all of them, by source (the argument docs/reliance.md makes at its top). */
function completenessOf(c: CollectorModule['collector']): string {
  const regional = (c.scopePattern ?? '').includes('<region>');
  if (c.source === 'aws')
    return (
      "the accounts are the credentials' own, every `aws.accounts` entry, and with `aws.organization` every in-scope account of the organization as recorded that day in the `organization` snapshot" +
      (regional
        ? '; the regions are `aws.regions`, proven to be every enabled region (or excluded with a reason) by `regions-covered`'
        : '') +
      '; verify names every expected series without a usable snapshot of a day. The snapshot records who collected it (`collectedBy`: the principal ARN).'
    );
  if (c.source === 'okta')
    return "one series, the org of `okta.orgUrl`; every list is followed to its last page, and a list not read to the end makes the snapshot `partial` with the reason. `collectedBy` names the OAuth client or the API token's owner.";
  return 'one series, the organization `github.org`; what it holds is what the credentials (a token or the App installation) can see, so their reach bounds the population (`collectedBy` names the token owner or the App). A list not read to the end makes the snapshot `partial`.';
}

function uniqueSections(collectors: CollectorModule['collector'][]) {
  const seen = new Set<unknown>();
  const out: {
    prefix: string;
    id: string;
    keys: readonly { key: string; default: string; meaning: string }[];
  }[] = [];
  for (const c of collectors) {
    if (!c.settings || seen.has(c.settings.schema)) continue;
    seen.add(c.settings.schema);
    out.push({ prefix: `${c.source}.${c.settings.key}`, id: c.id, keys: c.settings.keys });
  }
  return out;
}

/** Markers; the text between them is generated (npm run docs) from shared/collectors/registry.ts. */
const START = (name: string) => `<!-- registry:${name} -->`;
const END = (name: string) => `<!-- /registry:${name} -->`;

/** The file's text with the block replaced; throws when the markers are missing. */
export function withBlock(text: string, name: string, body: string, file: string): string {
  const start = text.indexOf(START(name));
  const end = text.indexOf(END(name));
  if (start < 0 || end < start)
    throw new Error(
      `${file} has no ${START(name)} ... ${END(name)} block: add the markers where the table belongs`,
    );
  return `${text.slice(0, start)}${START(name)}\n${body}\n${text.slice(end)}`;
}

/** The generated module that holds the fan-out shard's collector code (relative to the repository). */
export const SHARD_COLLECTORS_FILE = 'functions/shard-collectors.generated.ts';

/**
 * The shard function's collectors (functions/shard.ts): every registered AWS collector but
 * `organization` (the plan's), in registry order. A bundler includes code only through static
 * imports, and cannot fold a list of paths into them (functions/collect.ts folds one path, with
 * an esbuild `define`), so the imports are written out here from the registry: adding an AWS
 * collector stays one registry line, then `npm run docs`.
 */
export function shardCollectorIds(modules: readonly CollectorModule[] = MODULES): string[] {
  return modules
    .map((m) => m.collector)
    .filter((c) => c.source === 'aws' && c.id !== 'organization')
    .map((c) => c.id);
}

/** The text of SHARD_COLLECTORS_FILE for these modules, formatted as `biome format` leaves it. */
export function shardCollectorsModule(modules: readonly CollectorModule[] = MODULES): string {
  const ids = shardCollectorIds(modules);
  const name = (id: string) => id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const imports = [
    ...ids.map((id) => ({
      from: `../shared/collectors/${id}/collector.js`,
      line: `import ${name(id)} from '../shared/collectors/${id}/collector.js';`,
    })),
    {
      from: '../shared/collectors/types.js',
      line: "import type { AnyRunnableCollector } from '../shared/collectors/types.js';",
    },
  ].sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
  const head = 'export const SHARD_COLLECTORS: readonly AnyRunnableCollector[] = [';
  const oneLine = `${head}${ids.map(name).join(', ')}];`;
  const list = oneLine.length <= 110 ? oneLine : `${head}\n${ids.map((id) => `  ${name(id)},\n`).join('')}];`;
  return [
    '/**',
    ' * GENERATED by `npm run docs` (scripts/registry-docs.ts) from shared/collectors/registry.ts:',
    " * do not edit. The fan-out shard's collector code (functions/shard.ts): every registered AWS",
    " * collector but `organization` (the plan's), imported by name so that the shard's bundle holds",
    ' * exactly these. test/collectors/contract.test.ts fails when this file is stale.',
    ' */',
    ...imports.map((i) => i.line),
    '',
    list,
    '',
  ].join('\n');
}

/** The generated module that lists every collector's declaration and nothing else (relative to the repository). */
export const DECLARATIONS_FILE = 'shared/collectors/declarations.generated.ts';

/**
 * The text of DECLARATIONS_FILE: every registered collector's declaration (the default export
 * of its folder's declaration.ts), in registry order, imported by name. The functions and the
 * collect path import this list instead of the registry, whose entries carry each folder's
 * checks: so no function bundle holds check code (test/infra/bundles.test.ts). Adding a
 * collector stays one registry line, then `npm run docs`.
 */
export function declarationsModule(modules: readonly CollectorModule[] = MODULES): string {
  const ids = modules.map((m) => m.collector.id);
  const name = (id: string) => id.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
  const imports = [
    ...ids.map((id) => ({
      from: `./${id}/declaration.js`,
      line: `import ${name(id)} from './${id}/declaration.js';`,
    })),
    { from: './types.js', line: "import type { AnyCollector } from './types.js';" },
  ].sort((a, b) => bySegments(a.from, b.from));
  const head = 'export const COLLECTORS: readonly AnyCollector[] = [';
  const oneLine = `${head}${ids.map(name).join(', ')}];`;
  const list = oneLine.length <= 110 ? oneLine : `${head}\n${ids.map((id) => `  ${name(id)},\n`).join('')}];`;
  return [
    '/**',
    ' * GENERATED by `npm run docs` (scripts/registry-docs.ts) from shared/collectors/registry.ts:',
    " * do not edit. Every registered collector's declaration, in registry order, and nothing else:",
    ' * what the functions and the collect path import, so that no bundle carries the checks (the',
    " * registry's entries hold them). test/collectors/contract.test.ts fails when this file is stale.",
    ' */',
    ...imports.map((i) => i.line),
    '',
    list,
    '',
    'export function findCollector(id: string): AnyCollector | undefined {',
    '  return COLLECTORS.find((c) => c.id === id);',
    '}',
    '',
  ].join('\n');
}

/** The blocks and generated files whose content differs from the registry (names). */
export function staleBlocks(root = ROOT, modules: readonly CollectorModule[] = MODULES): string[] {
  const stale: string[] = [];
  for (const b of registryBlocks(modules)) {
    const text = readFileSync(path.join(root, b.file), 'utf8');
    if (withBlock(text, b.name, b.body, b.file) !== text) stale.push(`${b.file}: ${b.name}`);
  }
  if (readOrEmpty(path.join(root, SHARD_COLLECTORS_FILE)) !== shardCollectorsModule(modules))
    stale.push(SHARD_COLLECTORS_FILE);
  if (readOrEmpty(path.join(root, DECLARATIONS_FILE)) !== declarationsModule(modules))
    stale.push(DECLARATIONS_FILE);
  return stale;
}

export function writeBlocks(root = ROOT): string[] {
  const changed: string[] = [];
  for (const b of registryBlocks()) {
    const file = path.join(root, b.file);
    const text = readFileSync(file, 'utf8');
    const next = withBlock(text, b.name, b.body, b.file);
    if (next !== text) {
      writeFileSync(file, next);
      changed.push(`${b.file}: ${b.name}`);
    }
  }
  const generated = path.join(root, SHARD_COLLECTORS_FILE);
  if (readOrEmpty(generated) !== shardCollectorsModule()) {
    writeFileSync(generated, shardCollectorsModule());
    changed.push(SHARD_COLLECTORS_FILE);
  }
  const declarations = path.join(root, DECLARATIONS_FILE);
  if (readOrEmpty(declarations) !== declarationsModule()) {
    writeFileSync(declarations, declarationsModule());
    changed.push(DECLARATIONS_FILE);
  }
  return changed;
}

/** Import paths in the order `biome check` sorts them: segment by segment ("./okta/…" before "./okta-users/…"). */
function bySegments(a: string, b: string): number {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! < y[i]! ? -1 : 1;
  return x.length - y.length;
}

function readOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return '';
    throw e;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const changed = writeBlocks();
  process.stdout.write(
    changed.length ? `updated ${changed.join(', ')}\n` : 'docs tables and generated files are current\n',
  );
}

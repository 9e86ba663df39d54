/**
 * The deployed bundles: synthesize the app with real esbuild bundling (exactly what
 * `npx cdk deploy` uploads), then per function the minified bundle size (raw and gzipped,
 * about what the deployment zip weighs) and the cold module-initialisation time: a fresh
 * `node` process imports the bundle with the function's environment, RUNS times: the median
 * wall time, and the median CPU time it took (which moves less with the machine's load).
 * Local figures on this machine's Node (Lambda arm64 differs; relative sizes carry over).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { App } from 'aws-cdk-lib';
import { loadStackConfig } from '../infra/config.js';
import type { EvidenceFunction } from '../infra/constructs/evidence-function.js';
import { buildApp } from '../infra/stacks.js';
import type { Bench } from './run.js';

const RUNS = 7;

const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/** Milliseconds to import the bundle in a fresh node process (module initialisation only): wall and CPU. */
function coldInit(file: string, env: Record<string, string>): { wall: number; cpu: number } {
  const script = `const c=process.cpuUsage();const t=performance.now();await import(${JSON.stringify(file)});const w=performance.now()-t;const u=process.cpuUsage(c);process.stdout.write(w+' '+(u.user+u.system)/1000);`;
  const out = spawnSync(process.execPath, ['--enable-source-maps', '--input-type=module', '-e', script], {
    // The SDK's Node-version warning does not fire on the Lambda runtime (Node 24): silence it here.
    env: {
      PATH: process.env.PATH ?? '',
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...env,
    },
    encoding: 'utf8',
  });
  if (out.status !== 0) throw new Error(`loading ${file} failed:\n${out.stderr}`);
  const [wall, cpu] = out.stdout.split(' ').map(Number);
  return { wall: wall!, cpu: cpu! };
}

export const bundleBench: Bench = {
  name: 'bundle',
  async run() {
    const outdir = mkdtempSync(path.join(tmpdir(), 'evidence-bundle-'));
    try {
      const cdkContext = JSON.parse(readFileSync('cdk.json', 'utf8')).context as Record<string, unknown>;
      const app = new App({ outdir, context: cdkContext });
      const t = performance.now();
      const { evidence } = buildApp(app, loadStackConfig(undefined), {
        nag: false,
        env: { account: '111111111111', region: 'us-east-1' },
      });
      const assembly = app.synth();
      console.log(
        `synth with esbuild bundling: ${((performance.now() - t) / 1000).toFixed(1)} s (${outdir})`,
      );
      const template = assembly.getStackByName(evidence.stackName).template as {
        Resources: Record<
          string,
          {
            Type: string;
            Properties: { Code?: { S3Key?: string }; Environment?: { Variables?: Record<string, unknown> } };
          }
        >;
      };
      const fns: [string, EvidenceFunction][] = [
        ...[...evidence.collectorFunctions].map(
          ([id, fn]) => [`collect ${id}`, fn] as [string, EvidenceFunction],
        ),
        ['seal', evidence.sealFunction],
        ...(evidence.verifyFunction
          ? [['verify', evidence.verifyFunction] as [string, EvidenceFunction]]
          : []),
      ];
      console.log(
        `cold init: median of ${RUNS} fresh node ${process.version} processes, --enable-source-maps; ` +
          `load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`,
      );
      console.log('function             bundle    gzipped   map        cold init   (CPU)');
      const measured = new Map<string, string>();
      for (const [name, fn] of fns) {
        const logicalId = evidence.getLogicalId(fn.node.defaultChild as never);
        const resource = template.Resources[logicalId]!;
        const key = resource.Properties.Code!.S3Key!;
        const dir = path.join(assembly.directory, `asset.${key.replace(/\.zip$/, '')}`);
        const file = path.join(dir, 'index.mjs');
        // Values CloudFormation resolves at deploy time (a key id, a topic ARN) get a placeholder.
        const env = Object.fromEntries(
          Object.entries(resource.Properties.Environment?.Variables ?? {}).map(([k, v]) => [
            k,
            typeof v === 'string' ? v : `bench-${k.toLowerCase()}`,
          ]),
        ) as Record<string, string>;
        env.EVIDENCE_STORE = 's3://bench-locker';
        // In Lambda the configuration comes from the config layer under /opt: here, the local file.
        if (env.EVIDENCE_CONFIG !== undefined) env.EVIDENCE_CONFIG = path.resolve('evidence.config.json');
        const size = statSync(file).size;
        const gz = gzipSync(readFileSync(file)).length;
        const map = statSync(`${file}.map`).size;
        const cacheKey = `${file}|${env.EVIDENCE_COLLECTOR ?? ''}`;
        let init = measured.get(cacheKey);
        if (init === undefined) {
          const times = Array.from({ length: RUNS }, () => coldInit(file, env));
          const wall = median(times.map((x) => x.wall)).toFixed(0);
          init = `${wall.padStart(5)} ms  (${median(times.map((x) => x.cpu)).toFixed(0)} ms)`;
          measured.set(cacheKey, init);
        }
        console.log(
          `${name.padEnd(20)} ${kb(size).padStart(8)}  ${kb(gz).padStart(8)}  ${kb(map).padStart(8)}   ${init}`,
        );
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  },
};

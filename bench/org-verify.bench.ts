/**
 * `npm run bench -- org-verify`: seal and verify at organization size on the synthetic locker
 * (test/helpers/synthetic-locker.ts: snapshots generated on demand, what is written kept in a
 * directory). ORG_ACCOUNTS accounts (default 1,000) × the 17 default regions × the AWS
 * collectors (GuardDuty and AWS Config per region, IAM and CloudTrail per account: 36 series an
 * account), ORG_DAYS days (default 90). Every day but the last is sealed here (seeding, once per
 * directory); then, each in a child process of its own (bench/org-verify-worker.ts): the seal
 * of the last day, and the verification of the window. ORG_VERIFY_ACCOUNTS verifies a smaller
 * organization (its own locker) when the whole one does not fit this machine. Prints requests,
 * bytes read, wall time and peak memory of each, and what one snapshot's auditor check reads.
 * Figures, never assertions; the machine is shared, so times vary with its load.
 */
import { spawn } from 'node:child_process';
import { access, mkdir, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { fixedClock } from '../shared/clock.js';
import { addDays, daysBetween } from '../shared/evidence/days.js';
import { listDigests, readDigest, readLeaf, seal } from '../shared/evidence/digest.js';
import { fileSigner, signatureKey } from '../shared/evidence/signing.js';
import { orgLocker, RETENTION_DAYS } from './org-verify-plan.js';
import type { Bench } from './run.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ACCOUNTS = Number(process.env.ORG_ACCOUNTS ?? 1000);
const VERIFY_ACCOUNTS = Number(process.env.ORG_VERIFY_ACCOUNTS ?? ACCOUNTS);
const DAYS = Number(process.env.ORG_DAYS ?? 90);
const FROM = '2026-01-01';
const TO = addDays(FROM, DAYS - 1);
const SERIES_PER_ACCOUNT = 36;
/** ORG_FORM=3: the digest form that scales (signed leaves under a daily root); default 2, today's. */
const FORM = Number(process.env.ORG_FORM ?? 2) === 3 ? 3 : 2;
/**
 * ORG_COMMANDS: what is measured after seeding, comma-separated, in order: seal, verify, sample,
 * export, report (default seal,verify; empty: seed only).
 */
const COMMANDS = (process.env.ORG_COMMANDS ?? 'seal,verify')
  .split(',')
  .map((c) => c.trim())
  .filter(Boolean);

interface Figures {
  command: string;
  ms: number;
  requests: number;
  bytesRead: number;
  floorRss: number;
  peakRss: number;
  peakHeap: number;
  [k: string]: unknown;
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MiB`;

/** Seal every day but the last (once per directory): the history the measured runs find. */
async function seed(root: string, accounts: number): Promise<{ dir: string; key: string }> {
  const dir = path.join(root, 'locker');
  const key = path.join(root, 'signing-key.pem');
  const marker = path.join(root, 'seeded.json');
  if (
    await access(marker).then(
      () => true,
      () => false,
    )
  )
    return { dir, key };
  await rm(root, { recursive: true, force: true });
  await mkdir(root, { recursive: true });
  process.env.EVIDENCE_SIGNING_KEY_FILE = key;
  await fileSigner(key, { create: true });
  const locker = orgLocker(dir, FROM, TO, accounts);
  const t = performance.now();
  for (const [i, day] of daysBetween(FROM, addDays(TO, -1)).entries()) {
    await seal(locker, {
      day,
      clock: fixedClock(`${addDays(day, 1)}T03:00:00.000Z`),
      retentionDays: RETENTION_DAYS,
      form: FORM,
    });
    if ((i + 1) % 10 === 0)
      console.log(
        `  seeded ${i + 1}/${DAYS - 1} days of ${accounts} accounts in ${((performance.now() - t) / 1000).toFixed(0)} s`,
      );
  }
  await writeFile(marker, JSON.stringify({ accounts, from: FROM, to: TO }));
  return { dir, key };
}

function worker(key: string, args: string[]): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', path.join(HERE, 'org-verify-worker.ts'), ...args],
      {
        cwd: path.join(HERE, '..'),
        stdio: ['ignore', 'pipe', 'inherit'],
        env: { ...process.env, EVIDENCE_SIGNING_KEY_FILE: key },
      },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code !== 0) return reject(new Error(`org-verify-worker exited ${code}: ${out}`));
      resolve(JSON.parse(line) as Figures);
    });
  });
}

function print(label: string, f: Figures): void {
  const { command: _c, ms, requests, bytesRead, floorRss, peakRss, peakHeap, ...saw } = f;
  console.log(
    `| ${label} | ${requests.toLocaleString('en')} | ${mib(bytesRead)} | ${(ms / 1000).toFixed(1)} s | ${mib(peakRss)} (floor ${mib(floorRss)}) | ${mib(peakHeap)} | ${JSON.stringify(saw)} |`,
  );
}

/** What an auditor downloads to check one snapshot: the snapshot, and the signed files above it. */
async function auditorCheck(dir: string, accounts: number): Promise<void> {
  const locker = orgLocker(dir, FROM, TO, accounts);
  const listing = await listDigests(locker);
  const last = listing.digests.at(-1);
  if (!last) return;
  const digest = await readDigest(locker, last.key);
  const sig = await stat(path.join(dir, ...signatureKey(last.key).split('/')));
  if (digest.digest.schema === 'evidence.digest/3') {
    const ref = digest.digest.leaves[0];
    if (!ref) return;
    const leaf = await readLeaf(locker, ref.key);
    const leafSig = await stat(path.join(dir, ...signatureKey(ref.key).split('/')));
    const largest = digest.digest.leaves.reduce((a, b) => (b.size > a.size ? b : a));
    console.log(
      `one snapshot's auditor check (form 3): the snapshot (${leaf.leaf.snapshots[0]?.size ?? 0} bytes), its leaf (${ref.size.toLocaleString('en')} bytes, ${ref.entries} entries; the largest of the day ${largest.size.toLocaleString('en')} bytes), the day's root (${digest.body.byteLength.toLocaleString('en')} bytes, ${digest.digest.leaves.length} leaves) and the root's signature (${sig.size} bytes) [the leaf's own signature, ${leafSig.size} bytes, is a second check]: sha256sum the snapshot and grep it in the leaf, sha256sum the leaf and grep it in the root, openssl the root`,
    );
    return;
  }
  const snapshot = digest.digest.snapshots[0];
  console.log(
    `one snapshot's auditor check (today's form): 3 files: the snapshot (${snapshot?.size ?? 0} bytes), its day's digest (${digest.body.byteLength.toLocaleString('en')} bytes, ${digest.digest.snapshots.length.toLocaleString('en')} entries) and the digest's signature (${sig.size} bytes); sha256sum the snapshot, grep its key in the digest, openssl the digest`,
  );
}

async function du(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }))
    if (entry.isFile()) total += (await stat(path.join(entry.parentPath, entry.name))).size;
  return total;
}

export const orgVerifyBench: Bench = {
  name: 'org-verify',
  async run() {
    const base = process.env.ORG_DIR ?? tmpdir();
    const series = ACCOUNTS * SERIES_PER_ACCOUNT;
    console.log(
      `${ACCOUNTS} accounts × 17 regions × 4 AWS collectors = ${series.toLocaleString('en')} series, ${DAYS} days (${FROM}..${TO}), synthetic locker, digest form ${FORM}`,
    );
    const big = await seed(path.join(base, `evidence-org-${ACCOUNTS}x${DAYS}-form${FORM}`), ACCOUNTS);
    console.log(`written objects (digests, signatures, links): ${mib(await du(big.dir))}`);
    console.log(
      '\n| run | requests | bytes read | wall | peak RSS | peak heap | saw |\n| --- | --- | --- | --- | --- | --- | --- |',
    );
    // The seal of the last day writes into the locker: measured once per seeded directory.
    const sealed = path.join(big.dir, '..', 'sealed.json');
    let sealFigures: Figures;
    try {
      await access(sealed);
      sealFigures = JSON.parse(await (await import('node:fs/promises')).readFile(sealed, 'utf8')) as Figures;
    } catch {
      sealFigures = await worker(big.key, ['seal', big.dir, FROM, TO, String(ACCOUNTS), TO, String(FORM)]);
      await writeFile(sealed, JSON.stringify(sealFigures));
    }
    if (COMMANDS.includes('seal'))
      print(`seal of one day (${series.toLocaleString('en')} snapshots)`, sealFigures);
    let verifyAt = big;
    if (VERIFY_ACCOUNTS !== ACCOUNTS) {
      verifyAt = await seed(
        path.join(base, `evidence-org-${VERIFY_ACCOUNTS}x${DAYS}-form${FORM}`),
        VERIFY_ACCOUNTS,
      );
      const last = path.join(verifyAt.dir, '..', 'sealed.json');
      try {
        await access(last);
      } catch {
        await writeFile(
          last,
          JSON.stringify(
            await worker(verifyAt.key, [
              'seal',
              verifyAt.dir,
              FROM,
              TO,
              String(VERIFY_ACCOUNTS),
              TO,
              String(FORM),
            ]),
          ),
        );
      }
    }
    const seriesOf = (VERIFY_ACCOUNTS * SERIES_PER_ACCOUNT).toLocaleString('en');
    for (const command of COMMANDS) {
      if (command === 'seal') continue;
      const f = await worker(verifyAt.key, [command, verifyAt.dir, FROM, TO, String(VERIFY_ACCOUNTS)]);
      print(`${command} of ${DAYS} days, ${seriesOf} series (one process)`, f);
    }
    await auditorCheck(big.dir, ACCOUNTS);
  },
};

/**
 * The workpaper of one access review campaign, from its signed records alone: population
 * source (snapshot keys, SHA-256, count, the re-derivation command), reviewers, decisions,
 * exceptions (undecided, self-reviews refused, removals late or not done, records that count
 * for nothing), conclusion and sign-off, like the sample workpapers. Every value that came from
 * outside (logins, notes, group names) is escaped for Markdown.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SIGN_OFF } from '../sample/workpaper.js';
import { fencedBlock, markdownCell, markdownCode, markdownText, shellArg } from '../text/escape.js';
import { TOOL } from '../version.js';
import { type Close, completeClose, type KnownCampaign } from './records.js';

export interface ReviewWorkpaperInput {
  state: KnownCampaign;
  store: string;
  generatedAt: Date;
}

const cell = markdownCell;
const code = (s: string) => markdownCode(s, { inTable: true });

export function reviewWorkpaperMarkdown(input: ReviewWorkpaperInput): string {
  const { state } = input;
  const c = state.campaign.value;
  const close: { key: string; value: Close } | undefined = completeClose(state) ?? state.closes.at(-1);
  const out: string[] = [];
  const push = (...l: string[]) => out.push(...l);
  const population = c.population.length;
  push(
    `# Access review — ${markdownText(c.system)} as of ${c.asOf} (CC6.2, CC6.3)`,
    '',
    '| | |',
    '|---|---|',
    `| Campaign | ${code(c.id)} |`,
    '| Control | CC6.2 (access is authorized, and removed when no longer needed), CC6.3 (access is reviewed periodically) |',
    "| Nature of the control | manual review by the account owners' reviewers, over a population the tool derives from sealed evidence |",
    `| System | ${cell(c.system)} |`,
    `| Started | ${c.startedAt} (${code(state.campaign.key)}, SHA-256 ${code(state.campaign.sha256)}) |`,
    `| Locker | ${code(input.store)} |`,
    `| Removal deadline | ${c.removalSlaDays} day(s) after the decision (reviews.removalSlaDays) |`,
    `| Prepared | ${input.generatedAt.toISOString()} by ${TOOL.name} ${TOOL.version} |`,
    '',
    '## Conclusion',
    '',
  );
  if (!close)
    push(
      '**Not closed**: the campaign has not been closed (evidence review close). Not closed is not a pass.',
      '',
    );
  else if (close.value.complete)
    push(
      `**Complete** (${code(close.key)}, ${close.value.closedAt}): all ${population} account(s) decided by their assigned reviewer or a named delegate; ` +
        `${close.value.summary.remove} removal(s), each proven from a sealed snapshot within the deadline.`,
      '',
    );
  else
    push(
      `**Not complete** (latest close ${code(close.key)}, ${close.value.closedAt}): ${close.value.missing.length} item(s) missing, listed under Exceptions. ` +
        'The review is not shown to have operated for this period until they are resolved.',
      '',
    );
  push(
    ...SIGN_OFF,
    '## Population source',
    '',
    `${population} account(s): every account in the sealed snapshot(s) below (the population rule of the system is in docs/access-reviews.md).`,
    '',
    '| collector | scope | role | key | SHA-256 | sealed by | collected |',
    '|---|---|---|---|---|---|---|',
    ...c.sources.map(
      (s) =>
        `| ${cell(s.collector)} | ${cell(s.scope)} | ${s.role} | ${code(s.key)} | ${code(s.sha256)} | ${code(s.digest)} | ${s.collectedAt} |`,
    ),
    '',
    'Re-derive it: fetch each key, check its SHA-256 against the table and the digest, and count the accounts:',
    '',
    ...fencedBlock('sh', [
      ...c.sources.map(
        (s) => `aws s3api get-object --bucket BUCKET --key ${shellArg(s.key)} s.json && sha256sum s.json`,
      ),
      `evidence verify --from ${c.asOf} --to ${c.asOf}   # the snapshots are intact and sealed`,
      `${c.command} --out DIR   # the same population again, as a new campaign (compare the account lists)`,
    ]),
    '',
    '## Reviewers',
    '',
    '| reviewer | accounts | delegates |',
    '|---|---|---|',
    ...[...new Set(c.assignments.map((a) => a.reviewer))]
      .sort()
      .map(
        (r) =>
          `| ${cell(r)} | ${c.assignments.filter((a) => a.reviewer === r).length} | ${cell((c.delegates[r] ?? []).join(', '))} |`,
      ),
    '',
    c.reviewersFile
      ? `Assignments from the reviewers file (SHA-256 ${code(c.reviewersFile.sha256)}) and the Okta manager attribute.`
      : 'Assignments from the Okta manager attribute (no reviewers file).',
    '',
    '## Decisions',
    '',
    '| # | account | kind | reviewer | decision | by | when | note | removal |',
    '|---|---|---|---|---|---|---|---|---|',
  );
  const byAccount = new Map((close?.value.accounts ?? []).map((a) => [a.account, a]));
  c.assignments.forEach((a, i) => {
    const acc = c.population.find((p) => p.account === a.account);
    const d = byAccount.get(a.account);
    const removal = d?.removal
      ? `${d.removal.status}${d.removal.key ? ` (${code(d.removal.key)})` : ''} by ${d.removal.deadline}`
      : '';
    push(
      `| ${i + 1} | ${cell(a.account)} | ${acc?.kind ?? ''} | ${cell(a.reviewer)} | ${d?.decision ?? 'undecided'} | ${cell(d?.by ?? '')} | ${d?.at ?? ''} | ${cell(d?.note ?? '')} | ${removal} |`,
    );
  });
  // Every earlier decision stays visible: those a later record superseded.
  const counted = new Set((close?.value.accounts ?? []).map((a) => `${a.record}\u0000${a.account}`));
  const earlier = state.decisions.flatMap((d) =>
    d.value.decisions
      .filter((row) => close && !counted.has(`${d.key}\u0000${row.account}`))
      .map((row) => ({ ...row, by: d.value.by, at: d.value.recordedAt, key: d.key })),
  );
  if (earlier.length)
    push(
      '',
      '### Superseded decisions',
      '',
      '| account | decision | by | when | note | record |',
      '|---|---|---|---|---|---|',
      ...earlier.map(
        (e) =>
          `| ${cell(e.account)} | ${e.decision} | ${cell(e.by)} | ${e.at} | ${cell(e.note)} | ${code(e.key)} |`,
      ),
    );
  push('', '## Exceptions', '');
  const exceptions: string[] = [];
  for (const m of close?.value.missing ?? []) exceptions.push(`- ${markdownText(m)}`);
  for (const r of state.refused)
    for (const x of r.value.refused)
      exceptions.push(
        `- refused, no decision written: ${markdownText(x.reason)} (${markdownCode(r.key)}, ${r.value.at})`,
      );
  for (const r of state.rejected)
    if (!(close?.value.missing ?? []).some((m) => m.startsWith(r.key)))
      exceptions.push(`- ${markdownCode(r.key)} counts for nothing: ${markdownText(r.why)}`);
  if (!close) exceptions.push('- the campaign was never closed');
  push(...(exceptions.length ? exceptions : ['None.']), '');
  push(
    '## Records',
    '',
    '| record | SHA-256 |',
    '|---|---|',
    `| ${code(state.campaign.key)} | ${code(state.campaign.sha256)} |`,
    ...state.decisions.map((d) => `| ${code(d.key)} | ${code(d.sha256)} |`),
    ...state.refused.map((d) => `| ${code(d.key)} | ${code(d.sha256)} |`),
    ...state.closes.map((d) => `| ${code(d.key)} | ${code(d.sha256)} |`),
    '',
    "Each is signed (`<key>.sig`, ECDSA P-256 / SHA-256 with the digests' key) and sealed by the digest of the day it was written: " +
      '`openssl dgst -sha256 -verify keys/<fingerprint>.pem -signature KEY.sig KEY`.',
    '',
  );
  return out.join('\n');
}

/** Write workpaper.md into a new directory (never over an existing one); returns its path. */
export async function writeReviewWorkpaper(dir: string, input: ReviewWorkpaperInput): Promise<string> {
  const abs = path.resolve(dir);
  await mkdir(abs, { recursive: true });
  const file = path.join(abs, 'workpaper.md');
  await writeFile(file, reviewWorkpaperMarkdown(input), { encoding: 'utf8', flag: 'wx' });
  return file;
}

import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import { callerAccountId } from '../../aws/identity.js';
import { LockerUnavailableError, UsageError } from '../../errors.js';
import { dayOf, daysBetween } from '../../evidence/days.js';
import { loadSigner, signingSettingsOf } from '../../evidence/signing.js';
import { buildFindings, formatDays } from '../../verify/findings.js';
import { verifyInParts } from '../../verify/parts.js';
import { gapDays, type VerifyResult, writeVerifyReport } from '../../verify/verify.js';
import { windowOptions } from '../context.js';
import { EXIT } from '../handle-error.js';
import type { CommandSpec } from '../main.js';
import { json, table, writeJson } from '../output.js';

export const verifyCommand: CommandSpec = {
  define: (program) =>
    program
      .command('verify')
      .summary('prove no evidence day is missing and nothing was altered')
      .description(
        'Check every expected series (each configured collector × scope) on every day of the window: ' +
          'missing (no usable snapshot: none, late, misfiled or altered), failed (only error snapshots) or ' +
          'acknowledged; and check integrity: the signed digest chain and its anchor in the last report, sealed ' +
          'bytes, key against body, unsealed snapshots and days past the grace period, deleted objects and, on S3, ' +
          'Object Lock retention and backdating. Writes a report into the locker under reports/verify/.\n\n' +
          'Exit 0: complete and intact; 1: gaps or problems found; 2: bad usage or config; 3: the locker is unreachable.\n' +
          'docs/verify.md explains each problem and what to do about it.',
      )
      .addOption(new Option('--from <YYYY-MM-DD>', 'first evidence day (default: auditPeriod.start)'))
      .addOption(
        new Option('--to <YYYY-MM-DD>', 'last evidence day (default: yesterday UTC, or auditPeriod.end)'),
      )
      .addOption(
        new Option(
          '--deep',
          'read every snapshot of the window (one request each) instead of trusting matching digest entries',
        ),
      )
      .addOption(
        new Option('--findings <file>', 'also write the gaps and problems as compliance.json findings'),
      )
      .addOption(
        new Option(
          '--aws-account <id>',
          'the default AWS account (aws.accounts: []) instead of asking STS or inferring it from the locker',
        ),
      )
      .addOption(
        new Option('--no-report', 'do not write the verification report into the locker (read-only use)'),
      ),
  async run(ctx, options) {
    const config = ctx.loadConfig();
    const today = dayOf(ctx.clock.now());
    const { from, to } = windowOptions(options, config, ctx.clock.now(), { checkOrder: false });
    if (from > to && options.from === undefined && options.to === undefined)
      throw new UsageError(
        `the audit period starts ${from}: no complete evidence day before today; pass --to ${today} to verify today's evidence so far`,
      );
    if (from > to) throw new UsageError(`--from ${from} is after --to ${to}: the window is empty`);
    if (to > today) throw new UsageError(`--to ${to} is after today (${today}): no evidence can exist yet`);
    const account = options.awsAccount as string | undefined;
    if (account !== undefined && !/^\d{12}$/.test(account))
      throw new UsageError(`--aws-account ${JSON.stringify(account)}: expected a 12-digit AWS account id`);
    const findingsFile = options.findings as string | undefined;

    const locker = ctx.openLocker();
    // A large window is judged in parts of bounded memory (shared/verify/parts.ts).
    const result = await verifyInParts({
      locker,
      config,
      from,
      to,
      clock: ctx.clock,
      logger: ctx.logger,
      deep: Boolean(options.deep),
      // Recorded in the locker (configs/<sha256>.json) unless this is a read-only verification.
      ...(options.report !== false && { configuration: await ctx.recordConfiguration(locker) }),
      callerAccount: account !== undefined ? async () => account : () => callerAccountId(),
    });
    let reportKey: string | undefined;
    if (options.report !== false) {
      try {
        const signer = await loadSigner(signingSettingsOf(config.locker));
        reportKey = (await writeVerifyReport(locker, result, config.locker.retentionDays, signer)).key;
      } catch (err) {
        if (!(err instanceof LockerUnavailableError)) throw err;
        throw new LockerUnavailableError(
          `${err.message} (the verification itself completed: pass --no-report to verify with read-only access)`,
          { cause: err },
        );
      }
    }
    if (findingsFile !== undefined) {
      const file = path.resolve(findingsFile);
      try {
        await writeFile(file, json(buildFindings(result)));
      } catch (err) {
        throw new UsageError(`cannot write --findings ${file}: ${(err as Error).message}`, { cause: err });
      }
    }

    // Streamed: the series and problems one by one, never the whole document as one string.
    if (ctx.json)
      writeJson((text) => ctx.out(text), { ...result, report: reportKey ?? null }, ['series', 'integrity']);
    else ctx.out(render(result));
    for (const note of result.notes) ctx.note(`note: ${note}\n`);
    if (!ctx.json) {
      ctx.note(
        `${result.stats.requests} request(s): ${result.stats.days} day listing(s), ${result.stats.digests} digest(s), ` +
          `${result.stats.snapshots} snapshot(s) listed, ${result.stats.objectsRead} read\n`,
      );
      if (reportKey) ctx.note(`report written to ${reportKey}\n`);
      if (findingsFile) ctx.note(`findings written to ${findingsFile}\n`);
    }
    return result.ok ? EXIT.ok : EXIT.problems;
  },
};

/** The summary line: never a bare OK over exceptions or a changed configuration. */
export function summaryLine(result: VerifyResult): string {
  const gaps = gapDays(result);
  if (!result.ok)
    return `PROBLEMS: ${gaps} day(s) without evidence, ${result.integrity.length} integrity problem(s)`;
  const { acknowledgedDays, retiredSeries, daysBeforeSince } = result.exceptions;
  const partial = result.series.reduce((n, s) => n + s.partial.length, 0);
  const refused = result.refused.length;
  const changed = result.configuration?.changed;
  const extras = [
    ...(partial ? [`${partial} partial day(s)`] : []),
    ...(refused ? [`${refused} acknowledgement(s)/retirement(s) that excuse nothing`] : []),
    ...(changed ? [`the configuration changed since ${changed.report} (${changed.keys.join(', ')})`] : []),
  ];
  if (acknowledgedDays || retiredSeries || daysBeforeSince)
    return `OK, with ${acknowledgedDays} acknowledged day(s), ${retiredSeries} retired series, ${daysBeforeSince} day(s) before \`since\`${extras.length ? `; ${extras.join('; ')}` : ''}`;
  if (extras.length) return `OK, with ${extras.join('; ')}`;
  return 'OK, every expected day has evidence and nothing was altered';
}

export function render(result: VerifyResult): string {
  const lines: string[] = [];
  lines.push(`verify ${result.from}..${result.to} in ${result.store}: ${summaryLine(result)}\n`);
  if (result.series.length > SUMMARY_ABOVE) lines.push(summaryTable(result.series));
  else if (result.series.length) {
    lines.push(
      table(
        ['series', 'expected from', 'days', 'present', 'partial', 'missing', 'failed', 'acknowledged'],
        result.series.map((s) => [
          `${s.collector}/${s.scope}`,
          s.expectedFrom,
          s.expectedDays,
          s.presentDays,
          s.partial.length,
          s.missing.length,
          s.failed.length,
          s.acknowledged.length,
        ]),
      ),
    );
  } else lines.push('no series expected: no collector is configured\n');
  const details: string[] = [];
  for (const s of result.series) {
    const id = `${s.collector}/${s.scope}`;
    for (const state of ['missing', 'late', 'misfiled', 'unusable'] as const) {
      const days = s.days.filter((r) => r.state === state).flatMap((r) => daysBetween(r.from, r.to));
      if (days.length) details.push(`  ${id} ${STATE_LABEL[state]}: ${formatDays(days)}`);
    }
    if (s.failed.length) details.push(`  ${id} failed (only error snapshots): ${formatDays(s.failed)}`);
    for (const p of s.partial)
      details.push(`  ${id} partial ${p.day} (counted; missing: ${p.missing.join('; ')})`);
    for (const a of s.acknowledgements)
      details.push(`  ${id} acknowledged ${a.day}: "${a.reason}" (${a.by}, ${a.at})`);
    if (s.beforeSince)
      details.push(
        `  ${id} not expected before ${s.expectedFrom} (${s.expectedFromReason}): ${s.beforeSince} day(s) of the window`,
      );
  }
  if (details.length) lines.push(`\n${capped(details).join('\n')}\n`);
  if (result.integrity.length) {
    lines.push(
      `\n${table(
        ['problem', 'key', 'detail'],
        result.integrity.slice(0, DETAIL_LINES).map((p) => [p.problem, p.key, p.detail]),
      )}`,
    );
    if (result.integrity.length > DETAIL_LINES)
      lines.push(
        `... and ${result.integrity.length - DETAIL_LINES} more integrity problem(s): the JSON report (--json, and the report written to the locker) lists every one\n`,
      );
  } else lines.push('\nintegrity: no problem found\n');
  if (result.retention === 'not-applicable')
    lines.push(
      'retention: not applicable (a directory locker has no Object Lock; tamper evidence comes from the digests)\n',
    );
  if (result.unexpected.length)
    lines.push(
      `not in the configuration, judged until retired (evidence retire): ${result.unexpected.join(', ')}\n`,
    );
  for (const r of result.retired)
    lines.push(
      `retired: ${r.series} from ${r.effectiveFrom}${r.effectiveFrom !== r.from ? ` (it says ${r.from}; a retirement takes effect from the day it was written)` : ''}: "${r.reason}" (${r.by}, ${r.at})\n`,
    );
  for (const r of result.refused)
    lines.push(
      `excuses nothing: ${r.kind} ${r.key} of ${r.series} ${r.days}: "${r.reason}" (${r.by}, ${r.at}): ${r.why}\n`,
    );
  const config = result.configuration;
  if (config)
    lines.push(
      `configuration: sha256 ${config.sha256}${config.fileSha256 ? ` (file sha256 ${config.fileSha256})` : ''}${
        config.changed
          ? `; CHANGED since ${config.changed.report} (was ${config.changed.sha256}): ${config.changed.keys.join(', ')}`
          : ''
      }\n`,
    );
  const head = result.chain.head;
  lines.push(
    head
      ? `chain: ${head.digests} digest(s), head ${head.key} (sha256 ${head.sha256})${result.chain.checkedAgainst ? `, checked against ${result.chain.checkedAgainst}` : ''}\n`
      : 'chain: no digest\n',
  );
  lines.push(
    result.chain.trustedKeys.length
      ? `trusted signing keys: ${result.chain.trustedKeys.map((k) => `${k.fingerprint} (${k.source})`).join(', ')}\n`
      : 'trusted signing keys: none (no signature can be accepted)\n',
  );
  return lines.join('');
}

/** Above this many series the text report summarizes by collector and account (the JSON stays complete). */
const SUMMARY_ABOVE = 50;
/** Detail lines and integrity rows printed in text; the JSON report holds them all. */
const DETAIL_LINES = 200;

function capped(details: string[]): string[] {
  if (details.length <= DETAIL_LINES) return details;
  return [
    ...details.slice(0, DETAIL_LINES),
    `  ... and ${details.length - DETAIL_LINES} more line(s): the JSON report (--json, and the report written to the locker) lists every day of every series`,
  ];
}

/** The account of an AWS scope (`aws-<account>[-<region>]`), else the scope itself. */
function accountOf(scope: string): string {
  const m = /^aws-(\d{12})(?:-|$)/.exec(scope);
  return m ? `aws-${m[1]}` : scope;
}

/** Series summed per collector and account, worst first (missing days, then failed days). */
function summaryTable(series: VerifyResult['series']): string {
  const groups = new Map<
    string,
    {
      collector: string;
      account: string;
      n: number;
      days: number;
      present: number;
      missing: number;
      failed: number;
      acknowledged: number;
    }
  >();
  for (const s of series) {
    const account = accountOf(s.scope);
    const id = `${s.collector}\u0000${account}`;
    let g = groups.get(id);
    if (!g) {
      g = {
        collector: s.collector,
        account,
        n: 0,
        days: 0,
        present: 0,
        missing: 0,
        failed: 0,
        acknowledged: 0,
      };
      groups.set(id, g);
    }
    g.n++;
    g.days += s.expectedDays;
    g.present += s.presentDays;
    g.missing += s.missing.length;
    g.failed += s.failed.length;
    g.acknowledged += s.acknowledged.length;
  }
  const rows = [...groups.values()].sort(
    (a, b) =>
      b.missing - a.missing ||
      b.failed - a.failed ||
      (a.collector < b.collector
        ? -1
        : a.collector > b.collector
          ? 1
          : a.account < b.account
            ? -1
            : a.account > b.account
              ? 1
              : 0),
  );
  const shown = rows.slice(0, DETAIL_LINES);
  const rest = rows.length - shown.length;
  return (
    `${series.length} series, by collector and account, worst first:\n` +
    table(
      ['collector', 'account', 'series', 'days', 'present', 'missing', 'failed', 'acknowledged'],
      shown.map((g) => [g.collector, g.account, g.n, g.days, g.present, g.missing, g.failed, g.acknowledged]),
    ) +
    (rest > 0
      ? `... and ${rest} more collector × account row(s), none worse than the last shown: the JSON report lists every series\n`
      : '')
  );
}

const STATE_LABEL = {
  missing: 'missing',
  late: 'late (written or sealed after the grace period)',
  misfiled: 'misfiled (key and body disagree)',
  unusable: 'no usable snapshot (altered, unsealed or badly signed)',
} as const;

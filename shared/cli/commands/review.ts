/**
 * `evidence review start|record|close|workpaper`: access review campaigns (shared/review/).
 * Each subcommand is its own CommandSpec under one `review` command.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type Command, Option } from 'commander';
import { UsageError } from '../../errors.js';
import { loadSigner, signingSettingsOf } from '../../evidence/signing.js';
import { closeCampaign, loadCampaign, recordDecisions, startCampaign } from '../../review/campaign.js';
import { parseCampaignId, requireCampaign } from '../../review/records.js';
import { NO_REVIEWERS, readReviewersFile } from '../../review/reviewers.js';
import { REVIEW_SYSTEMS, type ReviewSystem } from '../../review/settings.js';
import { reviewSheets } from '../../review/sheets.js';
import { writeReviewWorkpaper } from '../../review/workpaper.js';
import { parseDayOption } from '../context.js';
import type { CommandSpec } from '../main.js';
import { json } from '../output.js';

function reviewParent(program: Command): Command {
  return (
    program.commands.find((c) => c.name() === 'review') ??
    program
      .command('review')
      .summary(
        'access reviews (CC6.2, CC6.3): campaigns from sealed snapshots, signed decisions, removals proven',
      )
      .description(
        'Quarterly user access reviews built from the sealed daily snapshots: start a campaign (its population and ' +
          "reviewers), record each reviewer's filled-in sheet, close it once every account is decided and every removal " +
          'is proven, and write its workpaper. Every step is a signed, write-once record under reviews/<campaign>/.',
      )
  );
}

export const reviewStartCommand: CommandSpec = {
  define: (program) =>
    reviewParent(program)
      .command('start')
      .summary('start a campaign: the population of a day, one sheet per reviewer')
      .description(
        'The population is every account in the sealed snapshots of --as-of for the system; a snapshot of that day ' +
          'that is altered, deleted or unsealed refuses the campaign. Each account gets a reviewer (the Okta manager ' +
          'attribute, or --reviewers FILE). The campaign is written into the locker (reviews/<campaign>/, signed, ' +
          'write-once); one CSV sheet per reviewer goes to --out.\n\nExample:\n  evidence review start --system okta ' +
          '--as-of 2026-03-31 --reviewers reviewers.json --out review-q1',
      )
      .addOption(
        new Option('--system <system>', 'the system reviewed').choices(REVIEW_SYSTEMS).makeOptionMandatory(),
      )
      .addOption(
        new Option(
          '--as-of <YYYY-MM-DD>',
          'the day whose sealed snapshots are the population',
        ).makeOptionMandatory(),
      )
      .addOption(new Option('--reviewers <file>', 'JSON: accounts / groups / default -> reviewer, delegates'))
      .addOption(new Option('--out <dir>', 'where the sheets go (a new directory)').makeOptionMandatory()),
  async run(ctx, options) {
    const asOf = parseDayOption('--as-of', String(options.asOf))!;
    const out = path.resolve(String(options.out));
    if (existsSync(out) && readdirSync(out).length > 0)
      throw new UsageError(
        `--out ${String(options.out)} is not empty: sheets are never overwritten; name a new directory`,
      );
    const reviewers = options.reviewers
      ? readReviewersFile(String(options.reviewers))
      : { reviewers: NO_REVIEWERS, sha256: null };
    const config = ctx.loadConfig();
    const locker = ctx.openLocker();
    const started = await startCampaign({
      locker,
      config,
      clock: ctx.clock,
      signer: await loadSigner(signingSettingsOf(config.locker)),
      system: String(options.system) as ReviewSystem,
      asOf,
      reviewers: reviewers.reviewers,
      reviewersSha256: reviewers.sha256,
    });
    await mkdir(out, { recursive: true });
    const sheets = reviewSheets(started.campaign);
    for (const sheet of sheets) await writeFile(path.join(out, sheet.file), sheet.csv, { flag: 'wx' });
    for (const n of started.notes) ctx.note(`note: ${n}\n`);
    const c = started.campaign;
    if (ctx.json)
      ctx.out(
        json({
          campaign: c.id,
          key: started.key,
          sha256: started.sha256,
          system: c.system,
          asOf: c.asOf,
          population: c.population.length,
          sources: c.sources,
          sheets: sheets.map((s) => ({
            reviewer: s.reviewer,
            file: path.join(out, s.file),
            accounts: s.accounts,
          })),
        }),
      );
    else
      ctx.out(
        `campaign ${c.id}: ${c.population.length} account(s) of ${c.system} as of ${c.asOf}, ${sheets.length} reviewer(s)\n` +
          `recorded: ${started.key}\n` +
          sheets.map((s) => `  ${s.reviewer}: ${path.join(out, s.file)} (${s.accounts})\n`).join(''),
      );
    return 0;
  },
};

export const reviewRecordCommand: CommandSpec = {
  define: (program) =>
    reviewParent(program)
      .command('record')
      .summary("record a reviewer's decisions (a filled-in sheet), signed")
      .description(
        'Decisions are keep, remove or change (change needs a note), for accounts of the campaign, by --by (the ' +
          "reviewer's login in the reviewed system). Refused, nothing written (exit 2): an account not in the " +
          'population, a reviewer deciding on their own account (the attempt itself is recorded), an unknown ' +
          'decision, a closed campaign. Recording again adds a record: the latest decision per account counts.',
      )
      .addOption(
        new Option('--campaign <id>', 'the campaign id (review start prints it)').makeOptionMandatory(),
      )
      .addOption(
        new Option(
          '--decisions <file>',
          'the filled-in sheet (CSV: account,decision,note,...)',
        ).makeOptionMandatory(),
      )
      .addOption(
        new Option('--by <login>', "who decided: the reviewer's login in that system").makeOptionMandatory(),
      ),
  async run(ctx, options) {
    const id = parseCampaignId(String(options.campaign));
    const file = String(options.decisions);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(
        `--decisions ${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
      );
    }
    const config = ctx.loadConfig();
    const locker = ctx.openLocker();
    const written = await recordDecisions({
      locker,
      config,
      clock: ctx.clock,
      signer: await loadSigner(signingSettingsOf(config.locker)),
      id,
      text,
      file,
      by: String(options.by),
    });
    if (ctx.json)
      ctx.out(
        json({
          campaign: id,
          key: written.key,
          sha256: written.sha256,
          decisions: written.record.decisions.length,
        }),
      );
    else
      ctx.out(
        `recorded ${written.record.decisions.length} decision(s) by ${written.record.by} for ${id}: ${written.key}\n`,
      );
    return 0;
  },
};

export const reviewCloseCommand: CommandSpec = {
  define: (program) =>
    reviewParent(program)
      .command('close')
      .summary('close a campaign: complete, or what is missing')
      .description(
        'Complete when every account has a decision by its assigned reviewer (or a named delegate) and every remove ' +
          'is absent from the sealed snapshots within reviews.removalSlaDays of the decision, proven by the key and ' +
          'SHA-256 of the first snapshot without it. The result is written into the locker, signed, either way; an ' +
          'incomplete campaign exits 1 naming what is missing and can be closed again later. --out writes its workpaper.',
      )
      .addOption(new Option('--campaign <id>', 'the campaign id').makeOptionMandatory())
      .addOption(new Option('--out <dir>', 'also write the campaign workpaper into this new directory')),
  async run(ctx, options) {
    const id = parseCampaignId(String(options.campaign));
    if (options.out !== undefined) assertFreshDir(String(options.out));
    const config = ctx.loadConfig();
    const locker = ctx.openLocker();
    const closed = await closeCampaign({
      locker,
      config,
      clock: ctx.clock,
      signer: await loadSigner(signingSettingsOf(config.locker)),
      id,
    });
    for (const n of closed.notes) ctx.note(`note: ${n}\n`);
    const file =
      options.out !== undefined
        ? await writeReviewWorkpaper(String(options.out), {
            state: closed.state,
            store: locker.url,
            generatedAt: ctx.clock.now(),
          })
        : undefined;
    const c = closed.close;
    if (ctx.json)
      ctx.out(
        json({
          campaign: id,
          key: closed.key,
          sha256: closed.sha256,
          complete: c.complete,
          summary: c.summary,
          missing: c.missing,
          ...(file && { workpaper: file }),
        }),
      );
    else
      ctx.out(
        `${id}: ${c.complete ? 'COMPLETE' : 'NOT COMPLETE'} (${c.summary.decided}/${c.summary.population} decided, ${c.summary.removedInTime} removal(s) proven in time)\n` +
          c.missing.map((m) => `  missing: ${m}\n`).join('') +
          `recorded: ${closed.key}\n` +
          (file ? `workpaper: ${file}\n` : ''),
      );
    return c.complete ? 0 : 1;
  },
};

export const reviewWorkpaperCommand: CommandSpec = {
  define: (program) =>
    reviewParent(program)
      .command('workpaper')
      .summary("write a campaign's workpaper from its signed records")
      .addOption(new Option('--campaign <id>', 'the campaign id').makeOptionMandatory())
      .addOption(new Option('--out <dir>', 'a new directory for workpaper.md').makeOptionMandatory()),
  async run(ctx, options) {
    const id = parseCampaignId(String(options.campaign));
    assertFreshDir(String(options.out));
    const config = ctx.loadConfig();
    const locker = ctx.openLocker();
    const state = await loadCampaign(locker, config, id);
    requireCampaign(state, id);
    const file = await writeReviewWorkpaper(String(options.out), {
      state,
      store: locker.url,
      generatedAt: ctx.clock.now(),
    });
    if (ctx.json) ctx.out(json({ campaign: id, workpaper: file }));
    else ctx.out(`${file}\n`);
    return 0;
  },
};

function assertFreshDir(dir: string): void {
  if (existsSync(path.join(path.resolve(dir), 'workpaper.md')))
    throw new UsageError(
      `--out ${dir} already holds workpaper.md: a workpaper is never overwritten; name a new directory`,
    );
}

export const REVIEW_COMMANDS = [
  reviewStartCommand,
  reviewRecordCommand,
  reviewCloseCommand,
  reviewWorkpaperCommand,
];

import { hostname, userInfo } from 'node:os';
import { Option } from 'commander';
import { callerPrincipalArn } from '../../aws/identity.js';
import { COLLECTORS } from '../../collectors/registry.js';
import type { Config } from '../../config.js';
import { loadSigner, signingSettingsOf } from '../../evidence/signing.js';
import { report } from '../../report/report.js';
import { windowOptions } from '../context.js';
import { EXIT } from '../handle-error.js';
import type { CommandSpec } from '../main.js';
import { json, table } from '../output.js';

export const reportCommand: CommandSpec = {
  define: (program) =>
    program
      .command('report')
      .summary('one self-contained HTML report with the coverage calendar, and a workpaper per control')
      .description(
        'Verify the window and re-perform every configured check on every day of it, then write into a new ' +
          'directory report.html (coverage calendar: series × days, present / missing / failed / late / ' +
          'acknowledged / integrity problem; check results per day; conclusions and deviation rates per control; ' +
          'exceptions; the digest chain head) and workpapers/<control>/workpaper.md. The HTML has no script, font ' +
          'or image and fetches nothing: it opens from disk or a presigned URL, and prints. The run is recorded in ' +
          'the locker. Above 20,000 series-days the calendars are summarized per collector, check and account, worst ' +
          'first, and every series-day not present and check-day not passed is listed in coverage-days.csv and ' +
          'check-days.csv beside report.html. Exit 0: evidence complete and every check passed every day; 1: otherwise.',
      )
      .addOption(new Option('--from <YYYY-MM-DD>', 'first day (default: auditPeriod.start)'))
      .addOption(
        new Option('--to <YYYY-MM-DD>', 'last day (default: yesterday UTC, or auditPeriod.end when earlier)'),
      )
      .addOption(
        new Option('--out <dir>', 'a new directory for report.html and the workpapers').makeOptionMandatory(),
      ),
  async run(ctx, options) {
    const config = ctx.loadConfig();
    const { from, to } = windowOptions(options, config, ctx.clock.now());
    const locker = ctx.openLocker();
    const configuration = await ctx.recordConfiguration(locker);
    const result = await report({
      locker,
      config,
      principal: await whoRuns(config),
      from,
      to,
      out: String(options.out),
      clock: ctx.clock,
      signer: await loadSigner(signingSettingsOf(config.locker)),
      // Placeholders, not this machine's paths (LOCKER, CONFIG, OUT are set by whoever re-runs it).
      command: `npx evidence report --from ${from} --to ${to} --out "$OUT" --store "$LOCKER" --config "$CONFIG"`,
      configuration,
      collectors: COLLECTORS,
    });
    if (ctx.json) {
      ctx.out(
        json({
          html: result.html,
          workpapers: result.workpapers,
          ok: result.ok,
          summary: result.summary,
          controls: result.controls.map(({ exceptions: _, ...c }) => c),
          verified: result.verify.ok,
          record: result.record,
          ...(result.summarized && { summarized: result.summarized }),
        }),
      );
    } else {
      ctx.out(
        table(
          ['control', 'days tested', 'pass', 'fail', 'missing', 'deviation rate', 'workpaper'],
          result.controls.map((c) => [
            c.id,
            c.total,
            c.pass,
            c.fail,
            c.missing,
            c.deviationRate,
            c.workpaper,
          ]),
        ),
      );
      ctx.out(
        `evidence ${result.verify.ok ? 'complete and intact' : 'has gaps or integrity problems'}; ` +
          `${result.summary.pass} of ${result.summary.total} check-days pass\nreport: ${result.html}\n`,
      );
      if (result.summarized)
        ctx.out(
          `summarized per collector, check and account (worst first); every series-day not present: ${result.summarized.coverage}; every check-day not passed: ${result.summarized.checks}\n`,
        );
      ctx.note(
        `recorded in the locker: ${result.record}, with the SHA-256 of every file (evidence verify-report DIR checks a copy against it)\n`,
      );
    }
    return result.ok ? EXIT.ok : EXIT.problems;
  },
};

/** Who runs the report: the AWS principal when AWS is configured and answers, else the local user. */
async function whoRuns(config: Config): Promise<string> {
  const local = `${userInfo().username}@${hostname()} (local user)`;
  if (!config.aws) return local;
  try {
    return await callerPrincipalArn();
  } catch (err) {
    // No usable AWS credentials here: the local user says who ran it, and why not the principal.
    return `${local}; AWS principal unknown (${(err as Error).name})`;
  }
}

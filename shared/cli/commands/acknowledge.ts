import { Option } from 'commander';
import { callerAccountId } from '../../aws/identity.js';
import { UsageError } from '../../errors.js';
import { daysBetween } from '../../evidence/days.js';
import { loadSigner, signingSettingsOf } from '../../evidence/signing.js';
import { SNAPSHOT_PREFIX } from '../../evidence/snapshot.js';
import { acknowledge, parseSeries } from '../../verify/acknowledgements.js';
import { knownSeries } from '../../verify/known.js';
import { parseDayOption } from '../context.js';
import type { CommandSpec } from '../main.js';
import { json } from '../output.js';

export const acknowledgeCommand: CommandSpec = {
  define: (program) =>
    program
      .command('acknowledge')
      .summary('record a documented, explained gap (itself immutable evidence)')
      .description(
        'Record that one series has no usable evidence on a day or a range of days, why, and who says so. The record is ' +
          'written once under acknowledgements/<first day>/<collector>/<scope>/ and can never be changed or removed; ' +
          'a correction is a further acknowledgement. verify then reports the days as acknowledged: never as ' +
          'missing, never as present. Only days that have ended, of a series the configuration expects or the locker ' +
          'holds, can be acknowledged.\n\nExample:\n  evidence acknowledge --series guardduty/aws-123456789012-us-east-1 ' +
          '--from 2026-04-21 --to 2026-04-22 --reason "collector role deleted by mistake; restored 2026-04-23 (INC-1234)" --by "Jane Doe"',
      )
      .addOption(
        new Option('--series <collector/scope>', 'the series, as verify prints it').makeOptionMandatory(),
      )
      .addOption(new Option('--from <YYYY-MM-DD>', 'the first evidence day (UTC) without evidence'))
      .addOption(new Option('--to <YYYY-MM-DD>', 'the last evidence day without evidence (default: --from)'))
      .addOption(new Option('--day <YYYY-MM-DD>', 'a single day: the same as --from D --to D'))
      .addOption(new Option('--reason <text>', 'why the evidence is missing').makeOptionMandatory())
      .addOption(new Option('--by <name>', 'who acknowledges the gap').makeOptionMandatory()),
  async run(ctx, options) {
    const day = parseDayOption('--day', options.day as string | undefined);
    const from = parseDayOption('--from', options.from as string | undefined) ?? day;
    const to = parseDayOption('--to', options.to as string | undefined) ?? day ?? from;
    if (from === undefined) throw new UsageError('give the days: --from D [--to D], or --day D');
    if (day !== undefined && (options.from !== undefined || options.to !== undefined))
      throw new UsageError('--day is one day: use either --day D or --from D --to D');
    if (to !== undefined && to < from) throw new UsageError(`--to ${to} is before --from ${from}`);
    const input = {
      series: String(options.series),
      from,
      ...(to !== undefined && { to }),
      reason: String(options.reason),
      by: String(options.by),
    };
    parseSeries(input.series); // usage errors before the config or the locker are touched
    const config = ctx.loadConfig();
    const locker = ctx.openLocker({ create: true });
    const days =
      to !== undefined && to >= from && daysBetween(from, to).length <= 31 ? daysBetween(from, to) : [from];
    const written = await acknowledge(locker, input, {
      clock: ctx.clock,
      retentionDays: config.locker.retentionDays,
      signer: await loadSigner(signingSettingsOf(config.locker)),
      knownSeries: knownSeries(locker, config, { days, callerAccount: () => callerAccountId() }),
    });
    const { collector, scope } = written.record;
    let present = 0;
    for (const d of days)
      for await (const _ of locker.list(`${SNAPSHOT_PREFIX}${d}/${collector}/${scope}/`)) present++;
    if (ctx.json) {
      ctx.out(
        json({ key: written.key, sha256: written.sha256, ...written.record, snapshotsThatDay: present }),
      );
    } else {
      const range = written.record.to ? `${written.record.day}..${written.record.to}` : written.record.day;
      ctx.out(`acknowledged ${collector}/${scope} on ${range}: ${written.key}\n`);
      if (present > 0)
        ctx.note(
          `note: the locker holds ${present} snapshot(s) of this series on ${range}; a day with a usable one is reported as present, and this acknowledgement is not needed there\n`,
        );
    }
    return 0;
  },
};

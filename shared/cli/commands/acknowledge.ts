import { Option } from 'commander';
import { SNAPSHOT_PREFIX } from '../../evidence/snapshot.js';
import { acknowledge, parseSeries } from '../../verify/acknowledgements.js';
import type { CommandSpec } from '../main.js';
import { json } from '../output.js';

export const acknowledgeCommand: CommandSpec = {
  define: (program) =>
    program
      .command('acknowledge')
      .summary('record a documented, explained gap (itself immutable evidence)')
      .description(
        'Record that one series has no usable evidence on one day, why, and who says so. The record is ' +
          'written once under acknowledgements/<day>/<collector>/<scope>/ and can never be changed or removed; ' +
          'a correction is a further acknowledgement. verify then reports the day as acknowledged: never as ' +
          'missing, never as present.\n\nExample:\n  evidence acknowledge --series guardduty/aws-123456789012-us-east-1 ' +
          '--day 2026-04-21 --reason "collector role deleted by mistake; restored 2026-04-22 (INC-1234)" --by "Jane Doe"',
      )
      .addOption(
        new Option('--series <collector/scope>', 'the series, as verify prints it').makeOptionMandatory(),
      )
      .addOption(
        new Option('--day <YYYY-MM-DD>', 'the evidence day (UTC) without evidence').makeOptionMandatory(),
      )
      .addOption(new Option('--reason <text>', 'why the evidence is missing').makeOptionMandatory())
      .addOption(new Option('--by <name>', 'who acknowledges the gap').makeOptionMandatory()),
  async run(ctx, options) {
    const input = {
      series: String(options.series),
      day: String(options.day),
      reason: String(options.reason),
      by: String(options.by),
    };
    parseSeries(input.series); // usage errors before the config or the locker are touched
    const config = ctx.loadConfig();
    const locker = ctx.openLocker();
    const written = await acknowledge(locker, input, {
      clock: ctx.clock,
      retentionDays: config.locker.retentionDays,
    });
    const { collector, scope, day } = written.record;
    let present = 0;
    for await (const _ of locker.list(`${SNAPSHOT_PREFIX}${day}/${collector}/${scope}/`)) present++;
    if (ctx.json) {
      ctx.out(
        json({ key: written.key, sha256: written.sha256, ...written.record, snapshotsThatDay: present }),
      );
    } else {
      ctx.out(`acknowledged ${collector}/${scope} on ${day}: ${written.key}\n`);
      if (present > 0)
        ctx.note(
          `note: the locker holds ${present} snapshot(s) of this series on ${day}; if one of them is ok or partial, verify reports the day as present and this acknowledgement is not needed\n`,
        );
    }
    return 0;
  },
};

import { Option } from 'commander';
import { callerAccountId } from '../../aws/identity.js';
import { loadSigner, signingSettingsOf } from '../../evidence/signing.js';
import { parseSeries } from '../../verify/acknowledgements.js';
import { knownSeries } from '../../verify/known.js';
import { retire } from '../../verify/retirements.js';
import { parseDayOption } from '../context.js';
import type { CommandSpec } from '../main.js';
import { json } from '../output.js';

export const retireCommand: CommandSpec = {
  define: (program) =>
    program
      .command('retire')
      .summary('stop expecting a series from a day on (itself immutable evidence)')
      .description(
        'Record that a series (a region, an account, a source no longer collected) is not expected from a day on, ' +
          'why, and who says so. Removing it from the configuration does not remove it from verify: only this ' +
          'record does. Written once under retirements/<collector>/<scope>/ and never changed or removed.\n\n' +
          'Example:\n  evidence retire --series guardduty/aws-123456789012-eu-west-1 --from 2026-06-01 ' +
          '--reason "eu-west-1 decommissioned (CHG-881)" --by "Jane Doe"',
      )
      .addOption(
        new Option('--series <collector/scope>', 'the series, as verify prints it').makeOptionMandatory(),
      )
      .addOption(
        new Option(
          '--from <YYYY-MM-DD>',
          'the first day on which it is no longer expected',
        ).makeOptionMandatory(),
      )
      .addOption(new Option('--reason <text>', 'why it is no longer collected').makeOptionMandatory())
      .addOption(new Option('--by <name>', 'who retires it').makeOptionMandatory()),
  async run(ctx, options) {
    const from = parseDayOption('--from', String(options.from))!;
    parseSeries(String(options.series));
    const config = ctx.loadConfig();
    const locker = ctx.openLocker();
    const written = await retire(
      locker,
      { series: String(options.series), from, reason: String(options.reason), by: String(options.by) },
      {
        clock: ctx.clock,
        retentionDays: config.locker.retentionDays,
        signer: await loadSigner(signingSettingsOf(config.locker)),
        knownSeries: knownSeries(locker, config, { callerAccount: () => callerAccountId() }),
      },
    );
    if (ctx.json) ctx.out(json({ key: written.key, sha256: written.sha256, ...written.record }));
    else
      ctx.out(
        `retired ${written.record.collector}/${written.record.scope} from ${written.record.from}: ${written.key}\n`,
      );
    return 0;
  },
};

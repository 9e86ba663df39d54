import { Option } from 'commander';
import { UsageError } from '../../errors.js';
import { type ListedSnapshot, listSnapshots } from '../../evidence/listing.js';
import { parseSnapshotKey, SNAPSHOT_PREFIX } from '../../evidence/snapshot.js';
import { parseDayOption } from '../context.js';
import type { CommandSpec } from '../main.js';
import { json, table } from '../output.js';

export const lsCommand: CommandSpec = {
  define: (program) =>
    program
      .command('ls')
      .summary('list snapshots in the locker')
      .description(
        "List the snapshots in the locker, optionally only one collector's, or only a window of days.",
      )
      .addOption(new Option('--collector <id>', "only this collector's snapshots"))
      .addOption(new Option('--scope <scope>', 'only this scope'))
      .addOption(new Option('--from <YYYY-MM-DD>', 'first evidence day'))
      .addOption(new Option('--to <YYYY-MM-DD>', 'last evidence day')),
  async run(ctx, options) {
    const from = parseDayOption('--from', options.from as string | undefined);
    const to = parseDayOption('--to', options.to as string | undefined);
    if (from && to && from > to) throw new UsageError(`--from ${from} is after --to ${to}`);
    const collector = options.collector as string | undefined;
    const scope = options.scope as string | undefined;
    const locker = ctx.openLocker();
    await locker.check();

    // Keys start with the day: a bounded window lists a few prefixes (a month, or a day, at once).
    let rows: ListedSnapshot[];
    if (from && to) {
      rows = await listSnapshots(locker, from, to, { collectors: collector ? [collector] : undefined });
    } else {
      rows = [];
      for await (const item of locker.list(SNAPSHOT_PREFIX)) {
        const parts = parseSnapshotKey(item.key);
        if (!parts || (from && parts.day < from) || (to && parts.day > to)) continue;
        if (collector && parts.collector !== collector) continue;
        rows.push({ ...item, ...parts });
      }
    }
    if (scope) rows = rows.filter((r) => r.scope === scope);
    if (ctx.json) {
      ctx.out(
        json({
          store: locker.url,
          snapshots: rows.map((r) => ({
            key: r.key,
            day: r.day,
            collector: r.collector,
            scope: r.scope,
            size: r.size,
            lastModified: r.lastModified.toISOString(),
          })),
        }),
      );
    } else if (rows.length === 0) {
      ctx.out(`no snapshots in ${locker.url}${collector ? ` for ${collector}` : ''}\n`);
    } else {
      ctx.out(
        table(
          ['day', 'collector', 'scope', 'size', 'key'],
          rows.map((r) => [r.day, r.collector, r.scope, r.size, r.key]),
        ),
      );
      ctx.note(`${rows.length} snapshot(s) in ${locker.url}\n`);
    }
    return 0;
  },
};

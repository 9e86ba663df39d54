import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Option } from 'commander';
import { selectCollectors } from '../../collectors/runner.js';
import { UsageError } from '../../errors.js';
import { dayOf } from '../../evidence/days.js';
import {
  parseFindings,
  remediationFileName,
  remediationMarkdown,
  statusOf,
} from '../../verify/remediation.js';
import { parseDayOption } from '../context.js';
import { EXIT } from '../handle-error.js';
import type { CommandSpec } from '../main.js';
import { json } from '../output.js';

export const remediationCommand: CommandSpec = {
  define: (program) =>
    program
      .command('remediation')
      .summary('the remediation report compliance-soc2-<date>.md from verify --findings output')
      .description(
        'Turn a compliance.json findings file (evidence verify --findings, or any file of that shape) into ' +
          'compliance-soc2-<date>.md: a summary table (control, gap type, status, evidence links relative to the ' +
          'locker), the detail of each gap with its remediation action, the residual risk register with target ' +
          'dates, and the next collection schedule from the configuration. Exit 0: no gap left open; 1: gaps open.',
      )
      .addOption(new Option('--findings <file>', 'the compliance.json findings file').makeOptionMandatory())
      .addOption(new Option('--out <dir>', 'directory for compliance-soc2-<date>.md').default('.'))
      .addOption(new Option('--date <YYYY-MM-DD>', "the report's date (default: today, UTC)")),
  async run(ctx, options) {
    const file = path.resolve(String(options.findings));
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read --findings ${file}: ${(err as Error).message}`, { cause: err });
    }
    const findings = parseFindings(text, file);
    const config = ctx.loadConfig();
    const date = parseDayOption('--date', options.date as string | undefined) ?? dayOf(ctx.clock.now());
    const out = path.join(path.resolve(String(options.out)), remediationFileName(date));
    const markdown = remediationMarkdown({
      findings,
      date,
      source: path.basename(file),
      store: ctx.options.store,
      schedule: config.schedule,
      collectors: selectCollectors(config, undefined).map((c) => ({ id: c.id, controls: c.controls })),
    });
    try {
      await mkdir(path.dirname(out), { recursive: true });
      await writeFile(out, markdown, { encoding: 'utf8', flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST')
        throw new UsageError(`${out} exists: a report is never overwritten; pass another --date or --out`, {
          cause: err,
        });
      throw new UsageError(`cannot write ${out}: ${(err as Error).message}`, { cause: err });
    }
    const open = findings.findings.filter(
      (f) => statusOf(f) !== 'closed' && statusOf(f) !== 'exception',
    ).length;
    if (ctx.json) ctx.out(json({ file: out, gaps: findings.findings.length, open }));
    else ctx.out(`${out}: ${findings.findings.length} gap(s), ${open} still open\n`);
    return open === 0 ? EXIT.ok : EXIT.problems;
  },
};

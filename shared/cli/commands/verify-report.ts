import { Option } from 'commander';
import { signingSettingsOf, trustedKeys } from '../../evidence/signing.js';
import { verifyOutput } from '../../report/verify-output.js';
import { signatureWords } from '../../sample/record.js';
import { fingerprintOption } from '../context.js';
import { EXIT } from '../handle-error.js';
import type { CommandSpec } from '../main.js';
import { json, table } from '../output.js';

/** A file name for a text table: as it is when plain, else quoted with its escapes (a newline cannot forge a row). */
function shown(name: string): string {
  return /^[\w./@:+,=-]+$/.test(name) ? name : JSON.stringify(name);
}

export const verifyReportCommand: CommandSpec = {
  define: (program) =>
    program
      .command('verify-report')
      .summary("re-check a report's (or a sample run's) files against their signed run record")
      .description(
        'Check the files `evidence report --out DIR` or `evidence sample --out DIR` wrote against the run record ' +
          'in the locker that lists their SHA-256: the record named in report.html (or workpaper.md, or by --record) ' +
          'is read from the locker and its signature judged as verify judges it (the configured key, the key file, ' +
          'pinned fingerprints; unsigned or another key fails); then every file it lists must be in DIR, a regular ' +
          'file, with that SHA-256, and every file in DIR must be listed. A path in the record that leaves DIR is ' +
          'never read. Exit 0: every file matches a trusted record; 1: problems, each naming the file; 2: bad usage ' +
          '(DIR not a run output); 3: the locker unreachable.',
      )
      .argument('<dir>', 'the directory the report (or sample --out) wrote')
      .addOption(
        new Option('--record <key>', 'the run record (reports/sample/….json) instead of the one DIR names'),
      )
      .addOption(
        new Option(
          '--fingerprint <hex>',
          'also trust the signing key with this SHA-256 (published under keys/ in the locker; repeatable)',
        ).argParser(fingerprintOption),
      ),
  async run(ctx, options, command) {
    const dir = String(command.args[0]);
    const config = ctx.loadConfig();
    const locker = ctx.openLocker();
    const settings = signingSettingsOf(config.locker);
    const pinned = [
      ...(settings.trustedKeys ?? []),
      ...((options.fingerprint as string[] | undefined) ?? []),
    ];
    const trusted = await trustedKeys(locker, { ...settings, ...(pinned.length && { trustedKeys: pinned }) });
    const result = await verifyOutput({
      dir,
      locker,
      trusted: trusted.keys,
      ...(options.record !== undefined && { record: String(options.record) }),
    });
    if (ctx.json) ctx.out(json({ ...result, notes: trusted.notes }));
    else {
      const run = result.run
        ? ` (${result.run.subject}, ${result.run.from} to ${result.run.to}, ran ${result.run.ranAt})`
        : '';
      const signature = result.signature
        ? `${signatureWords(result.signature)}${result.fingerprint ? ` by key ${result.fingerprint}` : ''}`
        : 'not read';
      ctx.out(
        `${result.dir}: run record ${result.record ?? '(none)'}${result.namedBy ? ` named by ${result.namedBy}` : ''}${run}\n` +
          `  record ${signature}; ${result.matched} of ${result.listed} listed file(s) match\n`,
      );
      if (result.problems.length)
        ctx.out(
          table(
            ['problem', 'file', 'detail'],
            result.problems.map((p) => [p.problem, shown(p.file), p.detail]),
          ),
        );
      ctx.out(
        result.ok
          ? 'report verified: every file is the one the signed run record lists\n'
          : `${result.problems.length} problem(s)\n`,
      );
      for (const note of trusted.notes) ctx.note(`note: ${note}\n`);
    }
    return result.ok ? EXIT.ok : EXIT.problems;
  },
};

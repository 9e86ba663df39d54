import { Option } from 'commander';
import { fingerprintOf, keyFilePath, publicKeyOfFile } from '../../evidence/signing.js';
import { verifyExport } from '../../export/verify-export.js';
import { fingerprintOption } from '../context.js';
import { EXIT } from '../handle-error.js';
import type { CommandSpec } from '../main.js';
import { json, table } from '../output.js';

export const verifyExportCommand: CommandSpec = {
  define: (program) =>
    program
      .command('verify-export')
      .summary('check an export offline: signatures, checksums, the chain, every record against its digest')
      .description(
        'Check an evidence export with nothing but the directory (no AWS, no network): the signatures of ' +
          'evidence.jsonl and SHA256SUMS under a trusted key, every file against SHA256SUMS, the hash chain of ' +
          'evidence.jsonl line by line, every record against its snapshot and the digest that sealed it, every ' +
          'sealed snapshot of the window against the records. The key is trusted when its fingerprint is given ' +
          'with --fingerprint, or is the local signing key file. Exit 0: all good; 1: problems, each naming the ' +
          'file and line.',
      )
      .argument('<dir>', 'the export directory')
      .addOption(
        new Option(
          '--fingerprint <hex>',
          'SHA-256 of the signing public key you were given (repeatable)',
        ).argParser(fingerprintOption),
      ),
  async run(ctx, options, command) {
    const dir = String(command.args[0]);
    const trusted = new Map<string, string>();
    for (const fp of (options.fingerprint as string[] | undefined) ?? []) trusted.set(fp, '--fingerprint');
    const file = keyFilePath({});
    const local = await publicKeyOfFile(file).catch(() => undefined);
    if (local) trusted.set(fingerprintOf(local), `key file ${file}`);
    const result = await verifyExport({ dir, trusted });
    if (ctx.json) ctx.out(json(result));
    else {
      ctx.out(
        `${result.dir}: ${result.records} record(s)${result.window ? ` of ${result.window.from} to ${result.window.to}` : ''}, ` +
          `${result.digests} digest(s), ${result.files} file(s); chain head ${result.head ?? '(none)'}\n` +
          `  key ${result.fingerprint ?? '(none)'}${result.trustedBy ? ` trusted by ${result.trustedBy}` : ' NOT trusted'}\n`,
      );
      if (result.problems.length)
        ctx.out(
          table(
            ['problem', 'file', 'line', 'detail'],
            result.problems.map((p) => [p.problem, p.file, p.line ?? '', p.detail]),
          ),
        );
      ctx.out(result.ok ? 'export verified: no problem\n' : `${result.problems.length} problem(s)\n`);
      for (const note of result.notes) ctx.note(`note: ${note}\n`);
    }
    return result.ok ? EXIT.ok : EXIT.problems;
  },
};

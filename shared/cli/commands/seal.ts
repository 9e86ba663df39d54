import { Option } from 'commander';
import { seal } from '../../evidence/digest.js';
import { loadSigner, signingSettingsOf } from '../../evidence/signing.js';
import { parseDayOption } from '../context.js';
import type { CommandSpec } from '../main.js';
import { json, table } from '../output.js';

export const sealCommand: CommandSpec = {
  define: (program) =>
    program
      .command('seal')
      .summary("write a digest over a day's snapshots not yet sealed")
      .description(
        'Write a digest over the snapshots of one evidence day that no digest covers yet: their keys, sizes, ' +
          'SHA-256 and version ids, chained to the previous digest and signed (ECDSA P-256): with the KMS key named ' +
          'by EVIDENCE_SIGNING_KMS_KEY_ID, else the key file (EVIDENCE_SIGNING_KEY_FILE, locker.signingKeyFile, or ' +
          '<config dir>/evidence-locker/signing-key.pem, created 0600 on first use). Run it daily after collection; ' +
          'running it again later seals late snapshots in a further digest (reported late by verify). Digests are ' +
          'write-once like snapshots.',
      )
      .addOption(new Option('--day <YYYY-MM-DD>', 'the evidence day to seal (default: yesterday, UTC)')),
  async run(ctx, options) {
    const day = parseDayOption('--day', options.day as string | undefined);
    const config = ctx.loadConfig();
    const locker = ctx.openLocker({ create: true });
    const signer = await loadSigner(signingSettingsOf(config.locker));
    const result = await seal(locker, {
      day,
      clock: ctx.clock,
      retentionDays: config.locker.retentionDays,
      signer,
      form: config.locker.digestForm,
    });
    if (ctx.json) {
      ctx.out(
        json({
          day: result.day,
          key: result.key ?? null,
          sha256: result.sha256 ?? null,
          sequence: result.sequence ?? null,
          signature: result.signature ?? null,
          previous: result.previous,
          sealed: result.sealed,
          alreadySealed: result.alreadySealed,
        }),
      );
    } else if (result.key) {
      ctx.out(
        `sealed ${result.sealed.length} snapshot(s) of ${result.day} in ${result.key}\n` +
          `  sha256   ${result.sha256}\n  previous ${result.previous ? result.previous.key : '(none: this digest starts the chain)'}\n` +
          `  signed   ${result.signature?.key} by key ${result.signature?.fingerprint} (${signer.source})\n` +
          (result.alreadySealed
            ? `  ${result.alreadySealed} snapshot(s) of that day were sealed before\n`
            : ''),
      );
      if (result.sealed.length)
        ctx.out(
          table(
            ['key', 'size', 'sha256'],
            result.sealed.map((e) => [e.key, e.size, e.sha256]),
          ),
        );
    } else {
      ctx.out(
        `nothing new to seal for ${result.day}: its ${result.alreadySealed} snapshot(s) are already sealed\n`,
      );
    }
    return 0;
  },
};

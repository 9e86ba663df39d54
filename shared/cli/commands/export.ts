import { Option } from 'commander';
import { callerAccountId } from '../../aws/identity.js';
import { loadSigner, signingSettingsOf, trustedKeys } from '../../evidence/signing.js';
import { exportEvidence } from '../../export/export.js';
import { verifyInParts } from '../../verify/parts.js';
import { windowOptions } from '../context.js';
import { EXIT } from '../handle-error.js';
import type { CommandSpec } from '../main.js';
import { json } from '../output.js';

export const exportCommand: CommandSpec = {
  define: (program) =>
    program
      .command('export')
      .summary('a signed, hash-chained export of a window that an auditor verifies with openssl alone')
      .description(
        'Copy every snapshot, digest, acknowledgement and verify or sample report of the window into a new ' +
          'directory, with evidence.jsonl (one line per snapshot in time order, hash-chained: hash = ' +
          'sha256(prev_hash + ":" + the record as Python json.dumps(sort_keys=True, separators=(",", ":")) writes it)), ' +
          'its signature evidence.jsonl.sig (ECDSA P-256 / SHA-256, the key that signs the digests), the public key, ' +
          'SHA256SUMS and its signature, and VERIFY.md with the exact commands. Check it with evidence verify-export.',
      )
      .addOption(new Option('--from <YYYY-MM-DD>', 'first day (default: auditPeriod.start)'))
      .addOption(
        new Option('--to <YYYY-MM-DD>', 'last day (default: yesterday UTC, or auditPeriod.end when earlier)'),
      )
      .addOption(
        new Option(
          '--out <dir>',
          'a new (or empty) directory to write the export into',
        ).makeOptionMandatory(),
      ),
  async run(ctx, options) {
    const config = ctx.loadConfig();
    const { from, to } = windowOptions(options, config, ctx.clock.now());
    const signer = await loadSigner(signingSettingsOf(config.locker));
    const locker = ctx.openLocker();
    // Trust as verify and sample do: the key file, KMS key and pins of the configuration.
    const trusted = await trustedKeys(locker, signingSettingsOf(config.locker));
    // The window verified read-only (nothing written to the locker): what was expected each day
    // and why, and the exceptions, travel as expected-series.json with the configuration in force.
    // In parts at organization size, as `evidence verify` (verify/parts.ts).
    const { body, ...configuration } = ctx.describeConfiguration();
    const verification = await verifyInParts({
      locker,
      config,
      from,
      to,
      clock: ctx.clock,
      trusted: trusted.keys,
      configuration,
      callerAccount: () => callerAccountId(),
    });
    const result = await exportEvidence({
      locker,
      verification,
      configuration: { key: configuration.key, body },
      trusted: trusted.keys,
      from,
      to,
      out: String(options.out),
      signer,
      clock: ctx.clock,
    });
    if (ctx.json) ctx.out(json(result));
    else {
      ctx.out(
        `exported ${result.records} snapshot record(s) of ${from} to ${to} into ${result.dir} (${result.files} files)\n` +
          `  chain head   ${result.head}\n  signed by    ${result.fingerprint} (${signer.source})\n` +
          `  verify with  npx evidence verify-export ${result.dir} --fingerprint ${result.fingerprint}\n`,
      );
      for (const note of result.notes) ctx.note(`note: ${note}\n`);
      if (result.notes.length)
        ctx.note(
          `the export is written, but the locker has ${result.notes.length} problem(s) named above (the auditor sees them in VERIFY.md): run evidence verify\n`,
        );
    }
    // Fail closed: an export over a broken chain or unsealed/deleted snapshots is no clean packet.
    return result.notes.length ? EXIT.problems : EXIT.ok;
  },
};

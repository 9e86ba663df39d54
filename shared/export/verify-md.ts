/** VERIFY.md of an export: the exact commands, with this export's values filled in. */
import { oneLine } from '../text/escape.js';
import { EXPORT_FILES, type ExportRecord } from './export.js';

export interface VerifyMdInput {
  from: string;
  to: string;
  records: number;
  head: string;
  fingerprint: string;
  exportedAt: string;
  store: string;
  digestHead: { key: string; sha256: string } | null;
  tool: string;
  example: ExportRecord | undefined;
  /** Problems the exporter found (digest chain, unsealed or deleted snapshots): said up front. */
  problems: readonly string[];
}

export function verifyMarkdown(input: VerifyMdInput): string {
  const { jsonl, jsonlSig, publicKey, sums, sumsSig, lockerDir } = EXPORT_FILES;
  const lines = [
    `# Evidence export ${input.from} to ${input.to}: how to verify it`,
    '',
    `Exported ${input.exportedAt} by ${input.tool}. ${input.records} snapshot record(s) in \`${jsonl}\`, ` +
      `one per line in time order (\`collectedAt\`), each with \`hash\` and \`prev_hash\`: ` +
      '`hash = sha256(prev_hash + ":" + json.dumps(record without hash and prev_hash, sort_keys=True, separators=(",", ":")))`, ' +
      'the first `prev_hash` being 64 zeros.',
    '',
    `- Chain head (the \`hash\` of the last line): \`${input.head}\``,
    `- Signing key fingerprint (SHA-256 of the DER public key): \`${input.fingerprint}\``,
    input.digestHead
      ? `- Head of the locker's digest chain when exported: \`${input.digestHead.key}\` (SHA-256 \`${input.digestHead.sha256}\`)`
      : "- The locker's digest chain was empty when exported.",
    '',
    ...(input.problems.length
      ? [
          `## Problems found when exporting (${input.problems.length})`,
          '',
          'The exporter found these in the locker. The commands below prove only this packet; they cannot',
          'show a problem outside it (e.g. a digest altered before the window), so these lines are the',
          "service organisation's own record of them, signed with the rest (an indented block: literal text):",
          '',
          ...input.problems.map((p) => `    ${oneLine(p)}`),
          '',
        ]
      : [
          'No problem was found in the locker when exporting (digest chain from its start, every snapshot sealed).',
          '',
        ]),
    'Each command below needs only python3, openssl and coreutils, and no network. Run them in this directory.',
    '',
    '## 1. The key is the one you were given',
    '',
    'Compare the fingerprint with the one the service organisation registered with you (not with this file, which',
    'travels with the export):',
    '',
    '```sh',
    `openssl pkey -pubin -in ${publicKey} -outform DER | sha256sum`,
    '```',
    '',
    '## 2. Signatures',
    '',
    '```sh',
    `openssl dgst -sha256 -verify ${publicKey} -signature ${jsonlSig} ${jsonl}`,
    `openssl dgst -sha256 -verify ${publicKey} -signature ${sumsSig} ${sums}`,
    '```',
    '',
    'Each prints `Verified OK`.',
    '',
    '## 3. Every file is the one signed',
    '',
    '```sh',
    `sha256sum -c --strict ${sums}`,
    '```',
    '',
    `\`${sums}\` lists every file of the export but itself and its signature; a file added to the export is not listed`,
    `(\`find ${lockerDir} -type f | wc -l\` should print the number of \`${lockerDir}/\` lines in it).`,
    '',
    '## 4. The chain',
    '',
    '```sh',
    `python3 - ${jsonl} <<'EOF'`,
    'import hashlib, json, sys',
    'GENESIS = "0" * 64',
    'prev = GENESIS',
    'i = 0',
    'with open(sys.argv[1]) as f:',
    '    for i, line in enumerate(f, 1):',
    '        rec = json.loads(line)',
    '        stored_hash = rec.pop("hash")',
    '        prev_ref = rec.pop("prev_hash")',
    '        if prev_ref != prev:',
    '            sys.exit(f"Chain break at record {i}: prev_hash mismatch")',
    "        payload = json.dumps(rec, sort_keys=True, separators=(',',':'))",
    '        computed = hashlib.sha256(f"{prev}:{payload}".encode()).hexdigest()',
    '        if computed != stored_hash:',
    '            sys.exit(f"Tamper detected at record {i}")',
    '        prev = stored_hash',
    'print(f"Chain intact: {i} records, no tampering detected. Head: {prev}")',
    'EOF',
    '```',
    '',
    `The head printed must be \`${input.head}\`: a line removed from the end leaves the chain intact but changes`,
    'the head (and breaks the signature of step 2).',
    '',
    '## 5. Each record is the sealed snapshot',
    '',
    `Each line names the snapshot (\`key\`, under \`${lockerDir}/\`), its SHA-256 and the digest that sealed it (\`digest\`).`,
    'The digest lists the same SHA-256 for that key:',
    '',
    '```sh',
  ];
  const ex = input.example;
  if (ex?.sha256 && ex.digest) {
    lines.push(
      `sha256sum ${lockerDir}/${ex.key}   # expect ${ex.sha256}`,
      `grep -o '"key":"${ex.key}"[^}]*' ${lockerDir}/${ex.digest}   # shows "sha256":"${ex.sha256}"`,
    );
  } else {
    lines.push('sha256sum locker/KEY', `grep -o '"key":"KEY"[^}]*' locker/DIGEST`);
  }
  lines.push(
    '```',
    '',
    'Digests signed by the locker carry `<digest>.sig`, checked with the same key:',
    '`openssl dgst -sha256 -verify evidence-public.pem -signature locker/DIGEST.sig locker/DIGEST`.',
    '',
    '## All of it at once',
    '',
    'With the Evidence Locker CLI (offline: no AWS, no network), pinning the fingerprint you were given:',
    '',
    '```sh',
    `npx evidence verify-export . --fingerprint ${input.fingerprint}`,
    '```',
    '',
    'It checks all of the above, every record against its file and its digest, every digest of the window against',
    'the records (a snapshot the digests sealed but the export lacks is named), and the digest chain inside the window.',
    '',
  );
  return lines.join('\n');
}

// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings are bash, whose ${...} expansions are meant literally
/**
 * VERIFY.md of an export: the exact commands, with this export's values filled in. Every file
 * of the export is covered by a step, and each step is a block that runs as written in bash
 * (openssl, sha256sum, coreutils, grep; python3 for the two JSON steps) from the export
 * directory, prints what it found, and ends with exit status 0 only when everything it checks
 * holds (test/export/verify-md.test.ts runs them).
 */
import { oneLine } from '../text/escape.js';
import type { ExpectedSeriesDocument } from './expected.js';
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
  /** The window's expectations and exceptions (present when the export carries expected-series.json). */
  expected?: ExpectedSeriesDocument;
}

/** The fenced bash blocks of VERIFY.md are the steps; this marks them for readers and tests. */
const BASH = '```bash';

export function verifyMarkdown(input: VerifyMdInput): string {
  const { jsonl, jsonlSig, publicKey, sums, sumsSig, lockerDir, expected: expectedFile } = EXPORT_FILES;
  const L = lockerDir;
  const lines = [
    `# Evidence export ${input.from} to ${input.to}: how to verify it`,
    '',
    `Exported ${input.exportedAt} by ${input.tool} from \`${oneLine(input.store)}\`. ${input.records} snapshot record(s) in \`${jsonl}\`, ` +
      `one per line in time order (\`collectedAt\`), each with \`hash\` and \`prev_hash\`: ` +
      '`hash = sha256(prev_hash + ":" + json.dumps(record without hash and prev_hash, sort_keys=True, separators=(",", ":")))`, ' +
      'the first `prev_hash` being 64 zeros.',
    '',
    `- Chain head (the \`hash\` of the last line): \`${input.head}\``,
    `- Signing key fingerprint (SHA-256 of the DER public key): \`${input.fingerprint}\` (compare with the one you registered, not with this line: see "Registering the key")`,
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
    ...exceptionsSection(input.expected),
    '## What is in this directory',
    '',
    '| file | what it is | checked by step |',
    '|---|---|---|',
    `| \`${jsonl}\`, \`${jsonlSig}\` | one line per snapshot of the window, hash-chained; its signature | 2, 4, 5 |`,
    `| \`${sums}\`, \`${sumsSig}\` | the SHA-256 of every other file; its signature | 2, 3 |`,
    `| \`${publicKey}\` | the public key that signed the export (and the digests) | 1 |`,
    `| \`${expectedFile}\` | each series, which days of the window evidence was expected and why (configuration, organization snapshot, \`since\`, retirement), and the days excused, by whom, when and why | 3, 8 |`,
    `| \`VERIFY.md\` | this file | 3 |`,
    `| \`${L}/snapshots/…\` | every snapshot of the window, as stored | 3, 5 |`,
    `| \`${L}/digests/<day>/….json\` (+ \`.sig\`) | the daily digests of the window: the old form lists every snapshot; the form that scales (\`evidence.digest/3\`) is a root naming its leaves | 3, 5, 6, 7 |`,
    `| \`${L}/leaves/<day>/…/<collector>/<shard>.json\` (+ \`.sig\`) | with the form that scales: the snapshots of one collector and account shard, named by SHA-256 in the day's root | 3, 5, 6 |`,
    `| \`${L}/acknowledgements/\`, \`${L}/retirements/\`, \`${L}/reports/verify/\`, \`${L}/reports/sample/\`, \`${L}/reviews/\` (+ \`.sig\`) | the signed records that excuse a gap or record a verification, a sample run or an access review | 3, 6 |`,
    `| \`${L}/configs/<sha256>.json\` | the configuration in force (canonical bytes, secrets never), named by its SHA-256 | 3, 8 |`,
    `| \`${L}/keys/<fingerprint>.pem\` | public keys the locker published (a rotated key; never trusted unless its fingerprint is registered) | 3 |`,
    '',
    'Each block below runs as written in bash from this directory, with openssl, sha256sum, coreutils and grep',
    '(steps 4 and 8 use python3), and no network. Each prints what it found and ends in exit status 0 only when',
    'everything it checks holds (`echo $?` after it). Step 1 reads the fingerprint you registered from `FINGERPRINT`.',
    '',
    '## Registering the key',
    '',
    'The export carries its public key, so the key proves nothing by itself: anyone who changes the files can sign them',
    'with a key of their own and put it here. Trust comes from a fingerprint you received **out of band**, before or',
    'apart from this packet:',
    '',
    '- The service organisation gives you the fingerprint (64 hex digits) through a channel other than the export:',
    '  in person, on a signed engagement letter, or read out on a call and written into your workpapers. They print it',
    '  with `npx evidence seal` (the `signed … by key <fingerprint>` line) or from the key itself:',
    '  `openssl pkey -pubin -in <public key>.pem -outform DER | sha256sum`.',
    "- On S3 the digests are signed by the deployment's KMS key (ECC P-256, the stack output `SigningKeyArn`). Ask for",
    '  the key ARN, and with read access to the account compute the fingerprint yourself:',
    '  `aws kms get-public-key --key-id <key ARN> --query PublicKey --output text | base64 -d | sha256sum`',
    '  (KMS returns the DER public key: the same fingerprint). A key that rotated is named in `locker.trustedKeys`',
    '  of the configuration in force; register each.',
    '- Record the fingerprint in your workpapers, then set it for the steps below:',
    '  `FINGERPRINT=<the 64 hex digits you registered>`.',
    '',
    '## 1. The key is the one you registered',
    '',
    BASH,
    ': "${FINGERPRINT:?set FINGERPRINT to the fingerprint you registered out of band (see Registering the key)}"',
    `got=$(openssl pkey -pubin -in ${publicKey} -outform DER | sha256sum | cut -c1-64)`,
    'echo "export key: $got"',
    'test "$got" = "$FINGERPRINT" && echo "the key you registered" || { echo "NOT the key you registered: stop here"; false; }',
    '```',
    '',
    '## 2. The export is signed',
    '',
    BASH,
    `openssl dgst -sha256 -verify ${publicKey} -signature ${jsonlSig} ${jsonl} &&`,
    `openssl dgst -sha256 -verify ${publicKey} -signature ${sumsSig} ${sums}`,
    '```',
    '',
    'Each prints `Verified OK`.',
    '',
    '## 3. Every file is the one signed, and no file was added',
    '',
    BASH,
    `sha256sum -c --strict --quiet ${sums} && echo "every file listed in ${sums} matches" &&`,
    `unlisted=$(comm -13 <(cut -c67- ${sums} | LC_ALL=C sort) <(find . -type f ! -path ./${sums} ! -path ./${sumsSig} | cut -c3- | LC_ALL=C sort)) &&`,
    'if [ -n "$unlisted" ]; then echo "NOT LISTED (added after signing):"; echo "$unlisted"; false; else echo "no file added"; fi',
    '```',
    '',
    '## 4. The chain of records',
    '',
    BASH,
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
    `sys.exit(0 if prev == "${input.head}" else f"the head is {prev}, VERIFY.md says ${input.head}")`,
    'EOF',
    '```',
    '',
    `The head must be \`${input.head}\`: a line removed from the end leaves the chain intact but changes the head`,
    '(and breaks the signature of step 2).',
    '',
    '## 5. Every record is its snapshot, sealed',
    '',
    `Each line of \`${jsonl}\` names the snapshot (\`key\`, under \`${L}/\`), its SHA-256, the digest that sealed it`,
    '(`digest`) and, with the form that scales, the leaf of that digest that lists it (`leaf`). This checks every',
    "record: the snapshot's bytes hash to the record's SHA-256, and the leaf (or the old-form digest) lists that key",
    'with that SHA-256; and every leaf: its own SHA-256 is the one its root lists next to its key.',
    '',
    BASH,
    'bad=0; n=0',
    'while IFS= read -r line; do',
    '  n=$((n + 1))',
    '  [[ $line =~ \\"key\\":\\"([^\\"]+)\\" ]] && key=${BASH_REMATCH[1]} || { echo "line $n: no key"; bad=1; continue; }',
    '  [[ $line =~ \\"sha256\\":\\"([0-9a-f]{64})\\" ]] && sha=${BASH_REMATCH[1]} || { echo "DELETED before export: $key"; bad=1; continue; }',
    '  if [[ $line =~ \\"leaf\\":\\"([^\\"]+)\\" ]]; then by=${BASH_REMATCH[1]}',
    '  elif [[ $line =~ \\"digest\\":\\"([^\\"]+)\\" ]]; then by=${BASH_REMATCH[1]}',
    '  else echo "NOT SEALED: $key"; bad=1; continue; fi',
    `  [ "$(sha256sum < "${L}/$key" | cut -c1-64)" = "$sha" ] || { echo "ALTERED: $key"; bad=1; }`,
    `  grep -o "\\"key\\":\\"\${key//./\\\\.}\\"[^{}]*" "${L}/$by" | grep -qF "\\"sha256\\":\\"$sha\\"" ||`,
    '    { echo "NOT SEALED AS RECORDED: $key is not listed with $sha in $by"; bad=1; }',
    `done < ${jsonl}`,
    `for leaf in $(find ${L}/leaves -type f -name '*.json' 2>/dev/null | LC_ALL=C sort); do`,
    `  sha=$(sha256sum < "$leaf" | cut -c1-64)`,
    `  grep -rqF "\\"key\\":\\"\${leaf#${L}/}\\",\\"sha256\\":\\"$sha\\"" ${L}/digests || { echo "LEAF NOT IN ITS ROOT: $leaf"; bad=1; }`,
    'done',
    'echo "$n record(s) checked against their snapshots and digests"; test "$bad" = 0',
    '```',
    '',
    'One snapshot by hand (two signed files at most):',
    '',
    '```sh',
    ...oneSnapshot(input.example, L),
    '```',
    '',
    '## 6. Every digest, leaf and signed record carries a valid signature',
    '',
    BASH,
    'bad=0; n=0',
    `for f in $(find ${L}/digests ${L}/leaves ${L}/acknowledgements ${L}/retirements ${L}/reports ${L}/reviews -type f -name '*.json' 2>/dev/null | LC_ALL=C sort); do`,
    '  n=$((n + 1))',
    '  if [ ! -f "$f.sig" ]; then echo "UNSIGNED: $f"; bad=1',
    `  elif ! openssl dgst -sha256 -verify ${publicKey} -signature "$f.sig" "$f" > /dev/null; then echo "BAD SIGNATURE: $f"; bad=1; fi`,
    'done',
    'echo "$n signed file(s) checked"; test "$bad" = 0',
    '```',
    '',
    'This covers every sample run (`reports/sample/`), each verification (`reports/verify/`), acknowledgement and',
    `retirement. A file signed by an earlier key fails here: check it with \`${L}/keys/<fingerprint>.pem\` once you`,
    'have registered that fingerprint too.',
    '',
    '## 7. Every digest names the one before it',
    '',
    BASH,
    'bad=0; outside=0',
    `for d in $(find ${L}/digests -type f -name '*.json' | LC_ALL=C sort); do`,
    '  prev=$(grep -o \'"previous":{"key":"[^"]*","sha256":"[0-9a-f]*"}\' "$d")',
    '  if [ -z "$prev" ]; then echo "$d: the first digest of the chain (previous null)"; continue; fi',
    '  [[ $prev =~ \\"key\\":\\"([^\\"]+)\\",\\"sha256\\":\\"([0-9a-f]{64})\\" ]]',
    '  pk=${BASH_REMATCH[1]}; ps=${BASH_REMATCH[2]}',
    `  if [ -f "${L}/$pk" ]; then`,
    `    [ "$(sha256sum < "${L}/$pk" | cut -c1-64)" = "$ps" ] || { echo "BROKEN LINK: $d names $pk with SHA-256 $ps"; bad=1; }`,
    '  else echo "$d follows $pk, outside the window"; outside=$((outside + 1)); fi',
    'done',
    'echo "$outside digest(s) follow one outside the window (normally 1: the first day\'s)"; test "$bad" = 0',
    '```',
    '',
    'More than one digest following a digest outside the window means late seals or sealing out of day order:',
    '`npx evidence verify-export` names them; the whole chain is checked by `npx evidence verify` on the locker.',
    '',
    ...completenessSection(input.expected, L),
    '## All of it at once',
    '',
    'With the Evidence Locker CLI (offline: no AWS, no network), pinning the fingerprint you registered:',
    '',
    '```sh',
    'npx evidence verify-export . --fingerprint "$FINGERPRINT"',
    '```',
    '',
    'It checks all of the above, every record against its file and its digest (and leaf), every digest of the',
    'window against the records (a snapshot the digests sealed but the export lacks is named), the digest chain',
    `inside the window${input.expected ? `, and every expected day of \`${expectedFile}\` against the records` : ''}.`,
    '',
  ];
  return lines.join('\n');
}

function oneSnapshot(ex: ExportRecord | undefined, L: string): string[] {
  if (!ex?.sha256 || !ex.digest)
    return [
      `sha256sum ${L}/KEY`,
      `grep -o '"key":"KEY"[^}]*' ${L}/LEAF_OR_DIGEST   # the same "sha256"`,
      `sha256sum ${L}/LEAF; grep -o '"key":"LEAF","sha256":"[0-9a-f]*"' ${L}/ROOT   # the form that scales: the same SHA-256`,
      `openssl dgst -sha256 -verify evidence-public.pem -signature ${L}/ROOT.sig ${L}/ROOT`,
    ];
  const out = [`sha256sum ${L}/${ex.key}   # ${ex.sha256}`];
  if (ex.leaf)
    out.push(
      `grep -o '"key":"${ex.key}"[^}]*' ${L}/${ex.leaf}   # shows "sha256":"${ex.sha256}"`,
      `sha256sum ${L}/${ex.leaf}; grep -o '"key":"${ex.leaf}","sha256":"[0-9a-f]*"' ${L}/${ex.digest}   # the same SHA-256`,
    );
  else out.push(`grep -o '"key":"${ex.key}"[^}]*' ${L}/${ex.digest}   # shows "sha256":"${ex.sha256}"`);
  out.push(
    `openssl dgst -sha256 -verify evidence-public.pem -signature ${L}/${ex.digest}.sig ${L}/${ex.digest}   # Verified OK`,
  );
  return out;
}

/** Acknowledged days, retired series, days before `since`, refused exceptions: each with who, when and why. */
function exceptionsSection(doc: ExpectedSeriesDocument | undefined): string[] {
  if (!doc) return [];
  const acks = doc.series.flatMap((s) => s.acknowledged.map((a) => ({ series: s.series, ...a })));
  const retired = doc.series.flatMap((s) => (s.retired ? [s.retired] : []));
  const beforeSince = doc.series.filter(
    (s) => s.expectedFromReason !== 'auditPeriod.start' && s.expectedFrom > doc.from,
  );
  const t = doc.totals;
  const out = [
    '## Exceptions the evidence carries',
    '',
    `${t.acknowledgedDays} acknowledged day(s), ${t.retiredSeries} retired series, ${t.daysBeforeSince} day(s) before \`since\`, ` +
      `${doc.refused.length} acknowledgement(s) or retirement(s) that excuse nothing. Each is a signed record in this export.`,
    '',
  ];
  const cell = (text: string) => oneLine(text).replace(/\|/g, '\\|').replace(/`/g, "'");
  if (acks.length)
    out.push(
      '| acknowledged day | series | by | written | why | record |',
      '|---|---|---|---|---|---|',
      ...acks.map(
        (a) =>
          `| ${a.day} | \`${cell(a.series)}\` | ${cell(a.by)} | ${cell(a.at)} | ${cell(a.reason)} | \`${cell(a.key)}\` |`,
      ),
      '',
    );
  if (retired.length)
    out.push(
      '| retired series | from | by | written | why | record |',
      '|---|---|---|---|---|---|',
      ...retired.map(
        (r) =>
          `| \`${cell(r.series)}\` | ${r.effectiveFrom}${r.from !== r.effectiveFrom ? ` (claims ${r.from})` : ''} | ${cell(r.by)} | ${cell(r.at)} | ${cell(r.reason)} | \`${cell(r.key)}\` |`,
      ),
      '',
    );
  if (beforeSince.length)
    out.push(
      '| series expected from a later day | from | set by |',
      '|---|---|---|',
      ...beforeSince.map(
        (s) => `| \`${cell(s.series)}\` | ${s.expectedFrom} | ${cell(s.expectedFromReason)} |`,
      ),
      '',
    );
  if (doc.refused.length)
    out.push(
      '| excuses nothing | series | days | by | written | why it was made | why it does not count |',
      '|---|---|---|---|---|---|---|',
      ...doc.refused.map(
        (r) =>
          `| ${r.kind} \`${cell(r.key)}\` | \`${cell(r.series)}\` | ${cell(r.days)} | ${cell(r.by)} | ${cell(r.at)} | ${cell(r.reason)} | ${cell(r.why)} |`,
      ),
      '',
    );
  return out;
}

function completenessSection(doc: ExpectedSeriesDocument | undefined, L: string): string[] {
  const { jsonl, expected } = EXPORT_FILES;
  if (!doc)
    return [
      '## 8. Completeness',
      '',
      `This export carries no \`${expected}\` (it was made without a configuration): completeness cannot be checked`,
      'from it alone; ask for an export made with `npx evidence export`, which carries it.',
      '',
    ];
  const config = doc.configuration;
  return [
    '## 8. Every expected day has evidence, or a signed reason',
    '',
    `\`${expected}\` lists, for each series, every day of the window as expected or not, and why: the configuration`,
    `(\`${config ? `${L}/${config.key}` : 'not recorded'}\`, the configuration in force, named by its SHA-256), the day's`,
    'organization snapshot, a later `since`, a retirement. This checks that the configuration file is the one named,',
    `and that every expected day has a sealed \`ok\` or \`partial\` record in \`${jsonl}\` or a signed acknowledgement`,
    '(listed under "Exceptions" above).',
    '',
    BASH,
    `for c in $(find ${L}/configs -type f -name '*.json' 2>/dev/null); do`,
    '  [ "$(sha256sum < "$c" | cut -c1-64).json" = "$(basename "$c")" ] && echo "configuration $c: its name is its SHA-256" || { echo "ALTERED: $c"; false; }',
    'done &&',
    `python3 - ${expected} ${jsonl} <<'EOF'`,
    'import datetime, json, sys',
    'doc = json.load(open(sys.argv[1]))',
    'present, seen = set(), {}',
    'for line in open(sys.argv[2]):',
    '    r = json.loads(line)',
    '    seen.setdefault((r["series"], r["day"]), []).append(r["status"])',
    '    if r["status"] in ("ok", "partial") and r["sha256"] and r["digest"]:',
    '        present.add((r["series"], r["day"]))',
    'def days(a, b):',
    '    d, end = datetime.date.fromisoformat(a), datetime.date.fromisoformat(b)',
    '    while d <= end:',
    '        yield d.isoformat()',
    '        d += datetime.timedelta(days=1)',
    'expected = gaps = 0',
    'for s in doc["series"]:',
    '    excused = {a["day"] for a in s["acknowledged"]}',
    '    for run in s["days"]:',
    '        if not run["expected"]:',
    '            continue',
    '        for day in days(run["from"], run["to"]):',
    '            expected += 1',
    '            if (s["series"], day) in present or day in excused:',
    '                continue',
    '            gaps += 1',
    '            found = seen.get((s["series"], day))',
    '            print(f"MISSING {s[\'series\']} {day}: " + (f"only {\', \'.join(found)}" if found else "no record"))',
    'print(f"{expected} expected series-day(s), {gaps} without evidence or an acknowledgement")',
    'sys.exit(1 if gaps else 0)',
    'EOF',
    '```',
    '',
  ];
}

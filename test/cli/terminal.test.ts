/**
 * Untrusted text never reaches a terminal raw (issue 20, item 7). A collector role can write any
 * key into the locker; a key holding an escape sequence (clear the screen, rewrite the line,
 * an OSC 8 link, a C1 CSI, a right-to-left override) is shown escaped by every command.
 */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { terminalStreams } from '../../shared/cli/output.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { createStreamLogger } from '../../shared/log.js';
import { terminalText } from '../../shared/text/escape.js';
import { runCli } from '../helpers/cli.js';
import { fill } from '../verify/fixtures.js';

const NOW = '2026-04-13T00:00:00.000Z';
// ESC [2J (clear screen), CR (rewrite the line), OSC 8 hyperlink ended by BEL, C1 CSI, RLO.
const HOSTILE = 'x\u001b[2J\rOK all good\u001b]8;;https:evil.example\u0007y\u009b31m\u202ez';
/** What a terminal acts on: C0 other than LF/TAB, DEL, C1, bidi controls, line separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: looking for control characters is the point
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('terminal output', () => {
  let store: string;
  let config: string;
  beforeEach(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'cli-terminal-'));
    store = path.join(dir, 'locker');
    config = path.join(dir, 'evidence.config.json');
    await writeFile(
      config,
      // One source (verify refuses a configuration with none), starting after the window.
      JSON.stringify({
        locker: { retentionDays: 730 },
        github: { org: 'acme', since: '2026-04-03' },
        auditPeriod: { start: '2026-04-01' },
      }),
    );
    const locker = new DirectoryLocker(store);
    await fill(locker, '2026-04-01', '2026-04-02', { series: [['stray', 'x']] });
    // What a collector role (write access under snapshots/) can put there.
    const folder = path.join(store, 'snapshots', '2026-04-02', 'stray');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, `${HOSTILE}.json`), '{}');
  });

  it('verify and ls show a hostile key escaped, on stdout and stderr, text and JSON', async () => {
    const common = ['--store', store, '--config', config];
    const runs = [
      await runCli(['verify', ...common, '--from', '2026-04-01', '--to', '2026-04-02', '--no-report'], {
        clock: NOW,
      }),
      await runCli(
        ['verify', ...common, '--from', '2026-04-01', '--to', '2026-04-02', '--no-report', '--json'],
        { clock: NOW },
      ),
      await runCli(['ls', ...common, '--from', '2026-04-01', '--to', '2026-04-02'], { clock: NOW }),
    ];
    const [text, asJson] = runs;
    // The key is named (escaped, visible), so the problem is still reported.
    expect(text!.code).toBe(1);
    expect(text!.stdout).toContain('\\u001b[2J\\u000dOK all good');
    for (const run of runs) {
      expect(run.stdout + run.stderr).not.toMatch(RAW_CONTROL);
    }
    // JSON stays JSON and means the key itself.
    const doc = JSON.parse(asJson!.stdout);
    expect(JSON.stringify(doc)).toContain(JSON.stringify(HOSTILE).slice(1, -1).slice(0, 10));
    expect(doc.integrity.map((p: { key: string }) => p.key)).toContain(
      `snapshots/2026-04-02/stray/${HOSTILE}.json`,
    );
  });

  it('terminalText escapes every control a terminal acts on and keeps LF and TAB', () => {
    expect(terminalText('a\u001b[31mb\tc\nd\u009b\u202e\u2028\u007f')).toBe(
      'a\\u001b[31mb\tc\nd\\u009b\\u202e\\u2028\\u007f',
    );
    // JSON escaped this way is the same JSON.
    const value = { k: 'x\u009b\u202ey\u007f' };
    expect(JSON.parse(terminalText(JSON.stringify(value)))).toEqual(value);
  });

  it('the streams escape; only the progress sequence is written as it is; log lines too', () => {
    let out = '';
    let err = '';
    const streams = terminalStreams({
      stdout: (t) => (out += t),
      stderr: (t) => (err += t),
      interactive: true,
    });
    streams.stdout(`key ${HOSTILE}\n`);
    streams.stderr(`note ${HOSTILE}\n`);
    expect(out + err).not.toMatch(RAW_CONTROL);
    streams.control?.('\r\u001b[2K');
    expect(err.endsWith('\r\u001b[2K')).toBe(true);

    let line = '';
    createStreamLogger({ level: 'info', write: (l) => (line += l) }).info('listed', { key: HOSTILE });
    expect(line).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(line).key).toBe(HOSTILE);
  });
});

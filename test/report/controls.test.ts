/**
 * The report's workpapers read the merged draw once: `controlViews` routes every row to the
 * controls its check is mapped to, and each control's workpaper is written from its own rows.
 * Pinned against the plain filter the report used before (every control's workpaper filtering
 * the whole draw as it read it): the workpaper files are byte for byte the same, on a draw in
 * parts with checks of one control and of two, and a row sent to the wrong control fails.
 */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AnyCheck, fail, pass } from '../../shared/checks/types.js';
import { fixedClock } from '../../shared/clock.js';
import { seal } from '../../shared/evidence/digest.js';
import { DirectoryLocker } from '../../shared/locker/directory.js';
import { controlViews } from '../../shared/report/report.js';
import { drawSample, emptyTally, type SampleDraw, type SampleView } from '../../shared/sample/run.js';
import { writeWorkpaper } from '../../shared/sample/workpaper.js';
import { type FakeData, fakeCheck, fakeCollector, fakeConfig, writeFake } from '../sample/fakes.js';

const FROM = '2026-01-01';
const TO = '2026-01-10';

/** Mapped to CC6.1 and CC8.1: its rows belong to both workpapers. */
const namedCheck: AnyCheck = {
  ...fakeCheck,
  id: 'fake-named',
  controls: ['CC6.1', 'CC8.1'],
  title: 'Fake named',
  run(snapshot) {
    const data = snapshot.data as FakeData;
    return data.repos.some((r) => r.name === 'legacy')
      ? fail('legacy is still there', ['legacy'])
      : pass('no legacy');
  },
};
/** CC6.1 only. */
const countCheck: AnyCheck = {
  ...fakeCheck,
  id: 'fake-count',
  controls: ['CC6.1'],
  title: 'Fake count',
  run(snapshot) {
    const n = (snapshot.data as FakeData).repos.length;
    return n > 1 ? pass(`${n} repositories`) : fail(`${n} repository`, ['api']);
  },
};
const CHECKS = [fakeCheck, namedCheck, countCheck];

/** The report's view of a control before: the whole draw, filtered each time it is read. */
function filteredView(draw: SampleDraw, ids: ReadonlySet<string>): SampleView {
  const { rows, parts: _parts, close: _close, ...rest } = draw;
  const summary = emptyTally();
  let seriesCount = 0;
  for (const s of rows.series) {
    if (!ids.has(s.check)) continue;
    seriesCount++;
    for (const k of ['total', 'pass', 'fail', 'missing', 'notApplicable'] as const) summary[k] += s.tally[k];
  }
  const filtered = <T extends { check: string }>(items: Iterable<T>): Iterable<T> => ({
    *[Symbol.iterator]() {
      for (const item of items) if (ids.has(item.check)) yield item;
    },
  });
  return {
    ...rest,
    checks: [...ids],
    rows: { samples: filtered(rows.samples), series: filtered(rows.series), summary, seriesCount },
  };
}

async function workpaperFiles(view: SampleView, control: string): Promise<Record<string, string>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'controls-wp-'));
  const written = await writeWorkpaper(dir, {
    report: view,
    checks: CHECKS.filter((c) => c.controls.includes(control)),
    subject: control,
    generatedAt: new Date('2026-02-01T00:00:00.000Z'),
    seedGenerated: false,
    rerun: `npx evidence sample --control ${control}`,
    recordKey: 'reports/sample/20260201T000000000Z_2026-01-01_2026-01-10.json',
  });
  return {
    markdown: await readFile(written.markdown, 'utf8'),
    csv: await readFile(written.csv, 'utf8'),
    json: await readFile(written.json, 'utf8'),
  };
}

describe('controlViews: one pass over the merged draw, rows routed per control', () => {
  let draw: SampleDraw;
  const controls = new Map([
    ['CC6.1', new Set(['fake-named', 'fake-count'])],
    ['CC8.1', new Set(['fake-protected', 'fake-named'])],
  ]);

  beforeAll(async () => {
    const locker = new DirectoryLocker(await mkdtemp(path.join(tmpdir(), 'controls-locker-')));
    const config = { ...fakeConfig, github: { ...fakeConfig.github!, org: 'acme' } };
    for (let d = 1; d <= 10; d++) {
      const day = `2026-01-${String(d).padStart(2, '0')}`;
      // Day 4 missing; days 6-7 a legacy repository (fake-named fails); odd days one repository.
      if (d !== 4)
        await writeFake(locker, 'github-acme', `${day}T00:05:00.000Z`, [
          { name: 'api', protected: d !== 8 },
          ...(d % 2 === 0 ? [{ name: 'web', protected: true }] : []),
          ...(d === 6 || d === 7 ? [{ name: 'legacy', protected: true }] : []),
        ]);
      await seal(locker, { day, clock: fixedClock(`${day}T23:00:00.000Z`), retentionDays: 730 });
    }
    draw = await drawSample({
      locker,
      config,
      checks: CHECKS,
      collectors: [fakeCollector],
      seed: 'full-population',
      from: FROM,
      to: TO,
      plan: { kind: 'all', n: 10 },
      // Parts of 3 snapshots: the draw's rows are read back from its merged files.
      snapshotsPerPart: 3,
    });
  });
  afterAll(() => draw?.close());

  it('each control reads only its own checks’ rows, every one of them, in the draw’s order', () => {
    expect(draw.parts).toBeGreaterThan(1);
    const { views, close } = controlViews(draw, controls);
    try {
      for (const [control, ids] of controls) {
        const view = views.get(control)!;
        const own = [...view.rows.samples];
        const expected = [...draw.rows.samples].filter((s) => ids.has(s.check));
        expect(own.length).toBeGreaterThan(0);
        expect(own).toEqual(expected);
        expect([...view.rows.series]).toEqual([...draw.rows.series].filter((s) => ids.has(s.check)));
        expect(view.rows.summary).toEqual(filteredView(draw, ids).rows.summary);
        expect(view.checks).toEqual([...ids]);
      }
      // Read again: the same rows (a workpaper reads its rows several times).
      const cc61 = views.get('CC6.1')!;
      expect([...cc61.rows.samples]).toEqual([...cc61.rows.samples]);
    } finally {
      close();
    }
  });

  it('the workpapers are byte for byte those of the filtered draw', async () => {
    const { views, close } = controlViews(draw, controls);
    try {
      for (const [control, ids] of controls) {
        const before = await workpaperFiles(filteredView(draw, ids), control);
        const after = await workpaperFiles(views.get(control)!, control);
        expect(after.markdown).toBe(before.markdown);
        expect(after.csv).toBe(before.csv);
        expect(after.json).toBe(before.json);
      }
    } finally {
      close();
    }
  });

  it("a control's rows sent to another fail the comparison", async () => {
    // Routing CC6.1 as if it were CC8.1 (the wrong checks' rows): its workpaper differs.
    const wrong = new Map([['CC6.1', new Set(['fake-protected', 'fake-named'])]]);
    const { views, close } = controlViews(draw, wrong);
    try {
      const before = await workpaperFiles(filteredView(draw, controls.get('CC6.1')!), 'CC6.1');
      const after = await workpaperFiles(views.get('CC6.1')!, 'CC6.1');
      expect(after.csv).not.toBe(before.csv);
      expect(after.markdown).not.toBe(before.markdown);
    } finally {
      close();
    }
  });
});

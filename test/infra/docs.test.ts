/** The README's and docs/deploy.md's alarm tables list exactly the alarms the stack creates. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALARMS } from '../../infra/constructs/alerts.js';
import { REPO_ROOT } from '../../infra/constructs/evidence-function.js';

/** First-column names of the Markdown table that follows `heading`. */
function tableNames(file: string, heading: string): string[] {
  const text = readFileSync(path.join(REPO_ROOT, file), 'utf8');
  const start = text.indexOf(heading);
  expect(start, `${file}: "${heading}"`).toBeGreaterThanOrEqual(0);
  const lines = text.slice(start).split('\n').slice(1);
  const first = lines.findIndex((l) => l.startsWith('|'));
  const rows = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|')[1]!.trim().replace(/`/g, ''));
  }
  return rows;
}

describe('alarm tables', () => {
  const expected = Object.keys(ALARMS).map((id) => `EvidenceLocker-${id}`);
  it('README lists exactly the stack alarms', () => {
    expect(tableNames('README.md', '### What each alert means')).toEqual(expected);
  });
  it('docs/deploy.md lists exactly the stack alarms', () => {
    expect(tableNames('docs/deploy.md', '## Alarms')).toEqual(expected);
  });
});

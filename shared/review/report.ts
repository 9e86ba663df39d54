/**
 * Access reviews in the report (report/html.ts calls it): each period of the cadence by system,
 * with its campaigns and their access-review-completed verdict, and the conclusion line; and the
 * workpaper of each campaign under workpapers/reviews/<campaign>/.
 */
import path from 'node:path';
import type { Config } from '../config.js';
import type { Locker } from '../locker/types.js';
import { htmlText as h } from '../text/escape.js';
import type { ReviewCadence } from './cadence.js';
import { loadCampaign } from './campaign.js';
import { writeReviewWorkpaper } from './workpaper.js';

const STATUS: Record<string, string> = {
  complete: 'closed complete in time',
  incomplete: 'not closed complete by the due day',
  missing: 'no campaign after the due day',
  'not-due': 'not yet due',
};

/** True when every due period is complete and every campaign passes (nothing due: true). */
export function reviewsEffective(r: ReviewCadence): boolean {
  return (
    r.periods.every((p) => p.status === 'complete' || p.status === 'not-due') &&
    r.campaigns.every((c) => c.check.result === 'pass' || c.status === 'open')
  );
}

/** The summary table's row: the conclusion on access reviews. */
export function reviewsSummaryRow(r: ReviewCadence): string {
  const ok = reviewsEffective(r);
  const count = (...states: string[]) => r.periods.filter((p) => states.includes(p.status)).length;
  return (
    `<tr><th>Access reviews</th><td><span class="verdict ${ok ? 'ok' : 'bad'}">${ok ? 'complete' : 'exceptions noted'}</span> ` +
    `${count('complete')} system-period(s) closed complete in time, ${count('missing', 'incomplete')} missing or incomplete, ${count('not-due')} not yet due; ` +
    `${r.campaigns.length} campaign(s) (<a href="#reviews">details</a>).</td></tr>`
  );
}

/** The section: periods × systems, then each campaign with its verdict and workpaper. */
export function reviewsSectionHtml(r: ReviewCadence, workpapers: ReadonlyMap<string, string>): string {
  const parts = ['<h2 id="reviews">Access reviews (CC6.2, CC6.3)</h2>'];
  if (!r.expected)
    parts.push(
      '<p class="small">No <code>reviews</code> section in the configuration: no cadence is expected; campaigns found are listed.</p>',
    );
  if (r.periods.length)
    parts.push(
      '<table class="data"><thead><tr><th>period</th><th>system</th><th>days</th><th>due</th><th>state</th><th>campaigns</th><th>detail</th></tr></thead><tbody>',
      ...r.periods.map(
        (p) =>
          `<tr><td>${h(p.period.id)}</td><td>${h(p.system)}</td><td>${h(p.period.from)} to ${h(p.period.to)}</td><td>${h(p.period.due)}</td>` +
          `<td><span class="verdict ${p.status === 'complete' ? 'ok' : p.status === 'not-due' ? '' : 'bad'}">${h(STATUS[p.status] ?? p.status)}</span></td>` +
          `<td>${p.campaigns.map((c) => `<code>${h(c)}</code>`).join('<br>')}</td><td class="small">${h(p.detail)}</td></tr>`,
      ),
      '</tbody></table>',
    );
  if (r.campaigns.length)
    parts.push(
      '<table class="data"><thead><tr><th>campaign</th><th>as of</th><th>accounts</th><th><code>access-review-completed</code></th><th>detail</th><th>workpaper</th></tr></thead><tbody>',
      ...r.campaigns.map((c) => {
        const wp = workpapers.get(c.id);
        return (
          `<tr><td><code>${h(c.id)}</code></td><td>${h(c.asOf)}</td><td class="num">${c.population}</td><td>${h(c.check.result)}</td>` +
          `<td class="small">${h(c.check.detail)}</td><td>${wp ? `<a href="${h(wp)}">${h(wp)}</a>` : ''}</td></tr>`
        );
      }),
      '</tbody></table>',
    );
  else parts.push('<p>No access review campaign in the locker.</p>');
  return parts.join('\n');
}

/** Write each campaign's workpaper into <dir>/workpapers/reviews/<campaign>/; relative paths by campaign. */
export async function writeCampaignWorkpapers(
  locker: Locker,
  config: Config,
  r: ReviewCadence,
  dir: string,
  generatedAt: Date,
): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const c of r.campaigns) {
    const state = await loadCampaign(locker, config, c.id);
    if (!state?.campaign) continue;
    const rel = `workpapers/reviews/${c.id}`;
    await writeReviewWorkpaper(path.join(dir, ...rel.split('/')), {
      state: state as Parameters<typeof writeReviewWorkpaper>[1]['state'],
      store: locker.url,
      generatedAt,
    });
    out.set(c.id, `${rel}/workpaper.md`);
  }
  return out;
}

/**
 * Bounded pagination over the SDK's `paginateXxx` helpers: every list an AWS collector
 * pages through stops with an error past MAX_PAGES pages (an endpoint that keeps answering
 * a next token never loops forever), and each page is counted into the snapshot's stats.
 */
import { SourceUnavailableError } from '../errors.js';

/** More pages than any real account has (1,000 pages of 100 items is 100,000 items). */
export const MAX_PAGES = 1_000;

/** The pages of `pages`, each counted, at most `max`. */
export async function* boundedPages<T>(
  pages: AsyncIterable<T>,
  what: string,
  stats: { pages: number },
  max = MAX_PAGES,
): AsyncGenerator<T> {
  let n = 0;
  for await (const page of pages) {
    if (++n > max)
      throw new SourceUnavailableError(`${what} returned more than ${max} pages; refusing to page further`);
    stats.pages++;
    yield page;
  }
}

/** Every item of every page: `pick` takes a page's items. */
export async function allPages<T, I>(
  pages: AsyncIterable<T>,
  what: string,
  stats: { pages: number },
  pick: (page: T) => readonly I[] | undefined,
  max = MAX_PAGES,
): Promise<I[]> {
  const items: I[] = [];
  for await (const page of boundedPages(pages, what, stats, max)) items.push(...(pick(page) ?? []));
  return items;
}

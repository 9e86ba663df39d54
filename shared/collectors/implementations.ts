/**
 * A registered collector's code, loaded when it is about to run: the default export of its
 * folder's `collector.ts` (the contract, see types.ts). The CLI loads the collectors it runs
 * through here, so that its reading commands (verify, report, sample, ...) never load an SDK
 * they do not call. A Lambda bundle does not come through here: functions/collect.ts
 * imports its one collector by a path the bundler fixes.
 */
import { errorMessage } from '../errors.js';
import type { AnyCollector, AnyRunnableCollector } from './types.js';

/** The implementation of `collector`; an error naming the file when the folder breaks the contract. */
export async function loadCollector(collector: AnyCollector): Promise<AnyRunnableCollector> {
  const file = `shared/collectors/${collector.id}/collector.ts`;
  // A path in a variable: bundlers and vite leave it to be resolved when it runs.
  const specifier = `./${collector.id}/collector.js`;
  let module: { default?: Partial<AnyRunnableCollector> };
  try {
    module = await import(/* @vite-ignore */ specifier);
  } catch (err) {
    throw new Error(`${file} could not be loaded: ${errorMessage(err)}`, { cause: err });
  }
  const runnable = module.default;
  if (runnable?.id !== collector.id || typeof runnable.collect !== 'function') {
    throw new Error(
      `${file} must export default the ${collector.id} collector with its collect() (got ${runnable?.id === undefined ? 'no default export' : `"${runnable.id}"`})`,
    );
  }
  return runnable as AnyRunnableCollector;
}

export function loadCollectors(collectors: readonly AnyCollector[]): Promise<AnyRunnableCollector[]> {
  return Promise.all(collectors.map(loadCollector));
}

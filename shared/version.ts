/** The tool's own name and version, stamped into every snapshot and digest: package.json's, never a copy. */
import pkg from '../package.json' with { type: 'json' };

export const TOOL = { name: pkg.name, version: pkg.version } as const;

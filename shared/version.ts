/** The tool's own name and version, stamped into every snapshot and digest. */
export const TOOL = { name: 'evidence-locker', version: '0.1.0' } as const;

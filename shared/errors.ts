/**
 * Error classes of the product. The CLI maps them to exit codes in one place
 * (`cli/handle-error.ts`); everything else throws these with a message that names
 * the problem and the fix.
 */

/** Bad usage of a command: unknown option value, missing argument. Exit 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The configuration file is missing or invalid. Exit 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** The locker (S3 bucket or directory) cannot be reached or used. Exit 3. */
export class LockerUnavailableError extends Error {
  override name = 'LockerUnavailableError';
}

/** A source (AWS, Okta, GitHub) cannot be reached or refuses our credentials. Exit 3. */
export class SourceUnavailableError extends Error {
  override name = 'SourceUnavailableError';
}

/** A write-once key already exists: nothing was written, nothing was overwritten. */
export class AlreadyExistsError extends Error {
  override name = 'AlreadyExistsError';
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`refusing to overwrite ${key}: the locker is write-once and this key already exists`, options);
  }
}

/** A key that was expected in the locker is not there. */
export class NotFoundError extends Error {
  override name = 'NotFoundError';
  constructor(
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`${key} is not in the locker`, options);
  }
}

/** Locker content that does not parse as what it claims to be (a snapshot, a digest). */
export class CorruptEvidenceError extends Error {
  override name = 'CorruptEvidenceError';
  constructor(
    readonly key: string,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${key}: ${detail}`, options);
  }
}

export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

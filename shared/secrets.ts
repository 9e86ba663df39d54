/**
 * Every secret value the process learns (tokens, private keys, AWS secret keys) is
 * registered here the moment it is read. Loggers and the snapshot writer pass their
 * text through `redact()`, so a secret echoed back by a vendor error message or
 * a stack trace never reaches a log line or the locker.
 */
const secrets = new Set<string>();

/** Remember a secret value so that it is scrubbed from logs and evidence. Short values are ignored. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 8) secrets.add(value);
}

export const REDACTED = '[REDACTED]';

/** Replace every registered secret in `text` by [REDACTED]. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/** Deep copy of a JSON-like value with every string passed through `redact()`. */
export function redactDeep<T>(value: T): T {
  if (secrets.size === 0) return value;
  return JSON.parse(redact(JSON.stringify(value))) as T;
}

/** For tests only. */
export function forgetSecrets(): void {
  secrets.clear();
}

/**
 * Every secret value the process learns (tokens, private keys, AWS secret keys) is
 * registered here the moment it is read. Loggers and the snapshot writer pass their
 * text through `redact()`, so a secret echoed back by a vendor error message or
 * a stack trace never reaches a log line or the locker.
 *
 * A secret is looked for as it is and as it reads inside a JSON string (`redact` is also
 * given JSON text: a PEM key's line breaks are `\n` there), and `redactDeep` scrubs each
 * string of a value in place of a JSON round trip, copying only what changes: a snapshot of
 * tens of MB with no secret in it is not copied.
 */
const secrets = new Set<string>();
/** Each secret and, where it differs, its JSON-escaped form. */
let forms: string[] = [];

/** Remember a secret value so that it is scrubbed from logs and evidence. Short values are ignored. */
export function registerSecret(value: string | undefined): void {
  if (!value || value.length < 8 || secrets.has(value)) return;
  secrets.add(value);
  const escaped = JSON.stringify(value).slice(1, -1);
  // Longest first: a secret that contains another is replaced whole.
  forms = [...forms, value, ...(escaped === value ? [] : [escaped])].sort((a, b) => b.length - a.length);
}

export const REDACTED = '[REDACTED]';

/** Replace every registered secret in `text` (as is, or JSON-escaped) by [REDACTED]. */
export function redact(text: string): string {
  let out = text;
  for (const secret of forms) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out;
}

/**
 * A JSON-like value with every string (and object key) passed through `redact()`. Parts
 * with nothing to scrub are the caller's own objects, not copies; scrubbed ones are new.
 */
export function redactDeep<T>(value: T): T {
  if (forms.length === 0) return value;
  return scrub(value) as T;
}

function scrub(value: unknown): unknown {
  if (typeof value === 'string') return redact(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      const clean = scrub(item);
      if (clean !== item) {
        out ??= value.slice();
        out[i] = clean;
      }
    }
    return out ?? value;
  }
  // A Date serializes as its ISO time (canonicalJson); another object with toJSON (a URL, a
  // Buffer) as what toJSON returns, as JSON.stringify would; any other object as its own entries.
  if (value instanceof Date) return value;
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(value);
    if (json !== value) return scrub(json);
  }
  const record = value as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const clean = scrub(item);
    const cleanKey = redact(key);
    if (clean === item && cleanKey === key) continue;
    out ??= { ...record };
    if (cleanKey !== key) delete out[key];
    // defineProperty: a key such as "__proto__" stays an own property, as JSON.parse made it.
    Object.defineProperty(out, cleanKey, {
      value: clean,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out ?? value;
}

/** For tests only. */
export function forgetSecrets(): void {
  secrets.clear();
  forms = [];
}

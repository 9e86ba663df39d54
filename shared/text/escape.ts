/**
 * Escaping untrusted text for the context it lands in: the one place that knows how.
 * Anything that came from outside (a repository, group or user name, a vendor message, a
 * locker key, a detail built from them) goes through one of these before it is written into
 * Markdown, a shell command, a CSV cell or HTML. Each function's output is inert in its
 * context: no link, image, raw HTML, heading, list, table break, command or formula can come
 * from the input, and no control character (ESC sequences for terminals included) survives.
 *
 *   markdownText    inline text in a paragraph, list item or heading
 *   markdownCell    a GFM table cell
 *   markdownCode    a code span (`...`), optionally inside a table cell
 *   fencedBlock     a fenced code block whose fence the content cannot close
 *   shellArg        one POSIX sh argument, single-quoted
 *   shellComment    the text of a `# ...` comment in a shell script
 *   csvCell         one RFC 4180 field with the spreadsheet-formula guard
 *   htmlText        HTML text and attribute values
 *   terminalText    anything written to a terminal (the CLI's stdout and stderr, JSON included)
 */

/**
 * C0 controls (TAB, LF and CR included), DEL, C1 controls, the Unicode line and paragraph
 * separators, and the bidirectional overrides and isolates (which reorder what a reader sees).
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** Every control character (see CONTROL_RE) replaced by a space; runs of them by one space. */
export function oneLine(text: string): string {
  return text.replace(CONTROL_RE, ' ').replace(/ {2,}/g, ' ');
}

/** Every control character removed. */
export function withoutControls(text: string): string {
  return text.replace(CONTROL_RE, '');
}

/**
 * The ASCII punctuation that can start or take part in an inline construct: emphasis, code,
 * links and images, autolinks (":" of "http://", "." of "www." and of bare domains that
 * linkify-style renderers link, "@" of e-mail addresses), raw HTML, entities, headings, lists,
 * strikethrough, table pipes. CommonMark lets any ASCII punctuation be backslash-escaped.
 */
const MD_SPECIAL_RE = /[\\`*_{}[\]()<>#+!|~&.:@]/g;

/**
 * Inline Markdown text: one line, every character in MD_SPECIAL_RE backslash-escaped and a
 * leading "-" or "=" too (a list item, a setext underline), so no emphasis, link, image,
 * autolink, raw HTML, entity, heading, list marker or table pipe can come from it. Renders as
 * the text itself.
 */
export function markdownText(text: string): string {
  return oneLine(text)
    .replace(MD_SPECIAL_RE, (c) => `\\${c}`)
    .replace(/^(\s*)([-=])/, '$1\\$2');
}

/** A GFM table cell: inline text as markdownText (which escapes "|" too); empty shows as "—". */
export function markdownCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  return markdownText(String(value));
}

/**
 * A code span showing `text` literally, on one line. The fence is one backtick longer than
 * the longest run of backticks inside; a space pads text that starts or ends with a backtick
 * or a space (CommonMark strips one). Inside a GFM table cell a "|" still splits the cell even
 * within a code span, so `inTable` escapes it (GFM removes that backslash before the span).
 */
export function markdownCode(text: string, options: { inTable?: boolean } = {}): string {
  let body = oneLine(text);
  if (options.inTable) body = body.replace(/\|/g, '\\|');
  if (body === '') return '` `';
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(body) ? ' ' : '';
  return `${fence}${pad}${body}${pad}${fence}`;
}

/**
 * A fenced code block: the fence is longer than any backtick run in `lines`, so no line can
 * close it early, and each line loses its control characters (they would reach a terminal).
 */
export function fencedBlock(info: string, lines: readonly string[]): string[] {
  return [...fencedLines(info, lines)];
}

/** fencedBlock line by line, for a block too long to hold: `lines` is read twice (the fence, then the lines). */
export function* fencedLines(info: string, lines: Iterable<string>): Generator<string> {
  let longest = 0;
  for (const line of lines)
    for (const run of withoutControlsKeepTab(line).match(/`+/g) ?? [])
      longest = Math.max(longest, run.length);
  const fence = '`'.repeat(Math.max(3, longest + 1));
  yield `${fence}${markdownInfo(info)}`;
  for (const line of lines) yield withoutControlsKeepTab(line);
  yield fence;
}

function withoutControlsKeepTab(line: string): string {
  return line.replace(CONTROL_RE, (c) => (c === '\t' ? c : ''));
}

function markdownInfo(info: string): string {
  return oneLine(info).replace(/[`~\s]/g, '');
}

/**
 * One POSIX shell argument, single-quoted unless it is made only of characters that need no
 * quoting. Inside single quotes nothing is special; a "'" is written as '\''. Control
 * characters are removed: no valid identifier holds one, and a script must not carry them.
 */
export function shellArg(text: string): string {
  const clean = withoutControls(text);
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(clean) ? clean : `'${clean.replace(/'/g, `'\\''`)}'`;
}

/** The text of a shell comment: one line, so nothing after it runs as a command. */
export function shellComment(text: string): string {
  return oneLine(text);
}

/**
 * One RFC 4180 CSV field. Control characters become spaces (CR and LF included: one record per
 * line); a text that starts with =, +, -, @ (after any leading spaces) would run as a formula
 * in a spreadsheet (OWASP "CSV injection") and gets a leading apostrophe; a field holding a
 * comma or a double quote is quoted with its double quotes doubled. Numbers are written as
 * they are.
 */
export function csvCell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let text = oneLine(value);
  if (/^\s*[=+\-@]/.test(text)) text = `'${text}`;
  return /[",]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** HTML text or a quoted attribute value: markup characters as entities, controls removed (TAB, LF kept). */
export function htmlText(text: string): string {
  return text
    .replace(CONTROL_RE, (c) => (c === '\t' || c === '\n' ? c : ''))
    .replace(/[&<>"'`]/g, (c) => HTML_ENTITIES[c]!);
}

/**
 * The control characters a terminal acts on (escape sequences, a carriage return that rewrites
 * the line, C1 controls such as CSI, bidirectional overrides): CONTROL_RE less LF and TAB,
 * which only lay text out.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const TERMINAL_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text for a terminal: each control character in TERMINAL_RE written visibly as its JSON escape
 * (`\u001b` for ESC), so a locker key or vendor name holding an escape sequence shows as text
 * and cannot move the cursor, clear the screen or rewrite what a person reads. The same escape
 * inside a JSON string is the JSON for that character, so a JSON document stays valid and
 * means the same (JSON.stringify leaves DEL, C1 and the bidi controls raw; this escapes them).
 */
export function terminalText(text: string): string {
  return text.replace(TERMINAL_RE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

import { execFileSync } from 'node:child_process';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import {
  csvCell,
  fencedBlock,
  htmlText,
  markdownCell,
  markdownCode,
  markdownText,
  shellArg,
  shellComment,
} from '../../shared/text/escape.js';

/** Names an attacker controls (a repository, a group, a login), each tried in every context. */
const HOSTILE = [
  '[x](http://evil.example/a)',
  '![i](http://evil.example/i.png)',
  '<img src=x onerror=alert(1)>',
  '<script>alert(1)</script>',
  '# Fake heading',
  'line one\rline two',
  'a\n# heading after newline',
  'a\r\n\r\n<div>block</div>',
  'http://evil.example/autolink',
  'www.evil.example',
  'mallory@evil.example',
  '<http://evil.example>',
  'x`y``z',
  '`',
  'a|b|c',
  '\u001b[31mred\u001b[0m',
  '&lt;img src=x onerror=alert(1)&gt;',
  '*emph* _u_ **b** ~~s~~',
  '- list',
  '1. ordered',
  '> quote',
  '===',
  '\\',
];

/** Tags the renderer produced, besides the ones our own wrapper asks for. */
function tags(html: string): string[] {
  return [...html.matchAll(/<\s*([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase());
}

describe('markdownText', () => {
  it.each(HOSTILE)('renders %j as inert text in a paragraph', (text) => {
    const html = marked.parse(`Name: ${markdownText(text)}`, { async: false, gfm: true });
    expect(tags(html)).toEqual(['p']);
    expect(html).not.toContain('\u001b');
  });

  it('renders as the text itself, on one line', () => {
    const html = marked.parse(markdownText('a [b](c) <d> & e.f'), { async: false });
    expect(html).toBe('<p>a [b](c) &lt;d&gt; &amp; e.f</p>\n');
  });
});

describe('markdownCell and markdownCode in a table', () => {
  it.each(HOSTILE)('%j stays in its cell, inert', (text) => {
    const md = [
      '| a | b | c |',
      '|---|---|---|',
      `| ${markdownCell(text)} | ${markdownCode(text, { inTable: true })} | end |`,
    ].join('\n');
    const html = marked.parse(md, { async: false, gfm: true });
    const found = tags(html).filter(
      (t) => !['table', 'thead', 'tbody', 'tr', 'th', 'td', 'code'].includes(t),
    );
    expect(found).toEqual([]);
    // three cells in the data row, the last one ours
    const row = html.split('<tbody>')[1]!;
    expect(row.match(/<td>/g)).toHaveLength(3);
    expect(row).toContain('<td>end</td>');
  });
});

describe('markdownCode', () => {
  it.each(HOSTILE)('shows %j literally in a code span', (text) => {
    const html = marked.parse(`see ${markdownCode(text)} here`, { async: false, gfm: true });
    expect(tags(html)).toEqual(['p', 'code']);
  });
});

describe('fencedBlock', () => {
  it('cannot be closed by its content', () => {
    const md = [...fencedBlock('sh', ['echo a', '```', '# Heading', '<img src=x>']), '', 'after'].join('\n');
    const html = marked.parse(md, { async: false });
    expect(tags(html)).toEqual(['pre', 'code', 'p']);
  });
});

describe('shellArg and shellComment', () => {
  it.each(HOSTILE.concat(["it's", '$(touch pwned)', '`touch pwned`', 'a;touch pwned', '-rf']))(
    '%j is one argument, passed through unchanged except for control characters',
    (text) => {
      const script = `# ${shellComment(text)}\nprintf '%s\\n' ${shellArg(text)}`;
      const out = execFileSync('sh', ['-c', script], { encoding: 'utf8' });
      // biome-ignore lint/suspicious/noControlCharactersInRegex: expected removal
      expect(out).toBe(`${text.replace(/[\u0000-\u001f\u007f]/g, '')}\n`);
    },
  );
});

describe('csvCell', () => {
  it.each([
    ['=HYPERLINK("http://evil")', `"'=HYPERLINK(""http://evil"")"`],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    [' =1', "' =1"],
    ['\t=1', "' =1"],
    ['\u001b[31mred', ' [31mred'],
    ['a\r\nb', 'a b'],
    ['plain, with comma', '"plain, with comma"'],
  ])('%j becomes %j', (text, expected) => {
    expect(csvCell(text)).toBe(expected);
  });

  it('writes numbers as they are', () => {
    expect(csvCell(-3)).toBe('-3');
    expect(csvCell(null)).toBe('');
  });
});

describe('htmlText', () => {
  it('escapes markup and drops control characters', () => {
    expect(htmlText(`<img src=x onerror="a('1')">\u001b&`)).toBe(
      '&lt;img src=x onerror=&quot;a(&#39;1&#39;)&quot;&gt;&amp;',
    );
  });
});

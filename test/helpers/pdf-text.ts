/**
 * The text of a PDF as Chromium (Skia) prints it, for tests that check what a printed page
 * says: each page's content streams (FlateDecode) read for text operators (Tj, TJ), each
 * string mapped to Unicode through its font's ToUnicode CMap (Type0 fonts, Identity-H, 2-byte
 * codes). Enough for Chromium's output, which has no object streams; not a general PDF reader.
 */
import { inflateSync } from 'node:zlib';

interface PdfObject {
  dict: string;
  stream?: Buffer;
}

function objects(pdf: Buffer): Map<number, PdfObject> {
  const out = new Map<number, PdfObject>();
  const text = pdf.toString('latin1');
  const re = /(\d+) 0 obj\s*/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    const start = m.index + m[0].length;
    const end = text.indexOf('endobj', start);
    const body = text.slice(start, end);
    const s = body.indexOf('stream');
    if (s < 0) {
      out.set(Number(m[1]), { dict: body });
      continue;
    }
    const dict = body.slice(0, s);
    let from = start + s + 'stream'.length;
    if (text[from] === '\r') from++;
    if (text[from] === '\n') from++;
    const length = Number(/\/Length (\d+)/.exec(dict)?.[1]);
    let data = pdf.subarray(from, from + length);
    if (/\/FlateDecode/.test(dict)) data = inflateSync(data);
    out.set(Number(m[1]), { dict, stream: data });
  }
  return out;
}

function toUnicode(cmap: string): Map<number, string> {
  const map = new Map<number, string>();
  const hexText = (hex: string) => {
    let s = '';
    for (let i = 0; i + 4 <= hex.length; i += 4)
      s += String.fromCharCode(Number.parseInt(hex.slice(i, i + 4), 16));
    return s;
  };
  for (const block of cmap.matchAll(/beginbfchar([\s\S]*?)endbfchar/g))
    for (const m of block[1]!.matchAll(/<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>/g))
      map.set(Number.parseInt(m[1]!, 16), hexText(m[2]!));
  for (const block of cmap.matchAll(/beginbfrange([\s\S]*?)endbfrange/g))
    for (const m of block[1]!.matchAll(
      /<([0-9a-fA-F]+)>\s*<([0-9a-fA-F]+)>\s*(<([0-9a-fA-F]+)>|\[([^\]]*)\])/g,
    )) {
      const lo = Number.parseInt(m[1]!, 16);
      const hi = Number.parseInt(m[2]!, 16);
      if (m[4]) {
        const base = Number.parseInt(m[4], 16);
        for (let c = lo; c <= hi; c++) map.set(c, String.fromCharCode(base + c - lo));
      } else {
        const list = [...m[5]!.matchAll(/<([0-9a-fA-F]+)>/g)].map((x) => hexText(x[1]!));
        for (const [i, t] of list.entries()) map.set(lo + i, t);
      }
    }
  return map;
}

/** The text of every page, in content order; one line per text object (BT … ET). */
export function pdfText(pdf: Buffer): string {
  const objs = objects(pdf);
  const ref = (dict: string, key: string) => Number(new RegExp(`/${key} (\\d+) 0 R`).exec(dict)?.[1]);
  const pages = [...objs.values()].filter((o) => /\/Type \/Page\b/.test(o.dict));
  const lines: string[] = [];
  for (const page of pages) {
    const fonts = new Map<string, Map<number, string>>();
    const fontDict = /\/Font <<([^>]*)>>/.exec(page.dict)?.[1] ?? '';
    for (const m of fontDict.matchAll(/\/(\w+) (\d+) 0 R/g)) {
      const font = objs.get(Number(m[2]));
      const cmap = font ? objs.get(ref(font.dict, 'ToUnicode'))?.stream : undefined;
      fonts.set(m[1]!, cmap ? toUnicode(cmap.toString('latin1')) : new Map());
    }
    const contents =
      /\/Contents \[([^\]]*)\]/.exec(page.dict)?.[1] ?? /\/Contents (\d+ 0 R)/.exec(page.dict)?.[1] ?? '';
    for (const c of contents.matchAll(/(\d+) 0 R/g)) {
      const stream = objs.get(Number(c[1]))?.stream?.toString('latin1') ?? '';
      let font = new Map<number, string>();
      let line = '';
      const decode = (hex: string) => {
        let s = '';
        for (let i = 0; i + 4 <= hex.length; i += 4)
          s += font.get(Number.parseInt(hex.slice(i, i + 4), 16)) ?? '';
        return s;
      };
      for (const t of stream.matchAll(
        /\/(\w+) [\d.]+ Tf|<([0-9a-fA-F]*)>\s*Tj|\[((?:[^\]])*)\]\s*TJ|\bET\b/g,
      )) {
        if (t[1]) font = fonts.get(t[1]) ?? new Map();
        else if (t[2] !== undefined) line += decode(t[2]);
        else if (t[3] !== undefined)
          for (const part of t[3].matchAll(/<([0-9a-fA-F]*)>|(-?[\d.]+)/g)) {
            if (part[1] !== undefined) line += decode(part[1]);
            else if (Number(part[2]) < -200) line += ' ';
          }
        else {
          lines.push(line);
          line = '';
        }
      }
    }
  }
  // NFKC: the ligatures Chromium prints (ﬁ, ﬂ) become their letters.
  return lines
    .filter((l) => l.trim() !== '')
    .join('\n')
    .normalize('NFKC');
}

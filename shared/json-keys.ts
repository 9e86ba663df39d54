/**
 * Duplicate keys in JSON text. JSON.parse keeps the last of two equal keys without a word, so
 * `"retentionDays": 730, "retentionDays": 1` would silently mean 1 day. Run on text that
 * JSON.parse accepted; returns the path of every key that appears twice in one object.
 */
export function duplicateJsonKeys(text: string): string[] {
  let i = 0;
  const found: string[] = [];
  const ws = () => {
    while (i < text.length && ' \t\r\n'.includes(text[i]!)) i++;
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    i++;
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        const key = string();
        const keyPath = path ? `${path}.${key}` : key;
        if (seen.has(key)) found.push(keyPath);
        seen.add(key);
        ws();
        i++; // colon
        value(keyPath);
        ws();
        if (text[i++] === '}') return;
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        value(`${path}.${n}`);
        ws();
        if (text[i++] === ']') return;
      }
    }
    if (ch === '"') {
      string();
      return;
    }
    while (i < text.length && !',}] \t\r\n'.includes(text[i]!)) i++;
  };
  value('');
  return found;
}

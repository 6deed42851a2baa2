// Splits an inline command line into arguments the way Redis's sdssplitargs does: spaces
// separate, "double quotes" take \n \r \t \b \a \\ \" and \xHH escapes, 'single quotes' take
// only \'. A closing quote must be followed by a space or the end of the line.

function isHex(c: string): boolean {
  return /^[0-9a-fA-F]$/.test(c);
}

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '\v' || c === '\f';
}

const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', a: '\x07' };

/** The arguments, or null for unbalanced quotes. */
export function splitInlineArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  while (true) {
    while (isSpace(line[i])) i++;
    if (i >= line.length) return out;
    let cur = '';
    let inDq = false;
    let inSq = false;
    while (true) {
      const c = line[i];
      if (inDq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === 'x' && isHex(line[i + 2] ?? '') && isHex(line[i + 3] ?? '')) {
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && line[i + 1] !== undefined) {
          i++;
          const e = line[i] as string;
          cur += ESCAPES[e] ?? e;
        } else if (c === '"') {
          if (line[i + 1] !== undefined && !isSpace(line[i + 1])) return null;
          inDq = false;
          i++;
          break;
        } else {
          cur += c;
        }
      } else if (inSq) {
        if (c === undefined) return null;
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          cur += "'";
        } else if (c === "'") {
          if (line[i + 1] !== undefined && !isSpace(line[i + 1])) return null;
          inSq = false;
          i++;
          break;
        } else {
          cur += c;
        }
      } else {
        if (c === undefined || isSpace(c)) break;
        if (c === '"') inDq = true;
        else if (c === "'") inSq = true;
        else cur += c;
      }
      i++;
    }
    out.push(cur);
  }
}

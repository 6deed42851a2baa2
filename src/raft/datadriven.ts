// Data-driven test scripts in the style of etcd's testdata: a command line, `----`, the
// expected output, a blank line. This module parses a script, runs it through a handler and
// renders the script back with actual outputs (the rewrite mode). Pure: no files.

export interface Directive {
  /** 1-based line of the command, for error messages. */
  readonly line: number;
  /** The command line as written. */
  readonly raw: string;
  readonly cmd: string;
  readonly args: readonly Arg[];
  /** The text between the command line and `----` (usually empty). */
  readonly input: string;
  readonly expected: string;
}

/** `key`, `key=value` or `key=(v1,v2)`: positional args have key set and no values. */
export interface Arg {
  readonly key: string;
  readonly values: readonly string[];
}

export interface Script {
  /** Text before each directive (comments, blank lines), kept verbatim by the rewriter. */
  readonly preambles: readonly string[];
  readonly directives: readonly Directive[];
  readonly trailer: string;
}

const separator = '----';

export function parseScript(text: string): Script {
  const lines = text.split('\n');
  const preambles: string[] = [];
  const directives: Directive[] = [];
  let pre: string[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i] as string;
    if (l.trim() === '' || l.startsWith('#')) {
      pre.push(l);
      i++;
      continue;
    }
    const line = i + 1;
    const { cmd, args } = parseCommand(l);
    i++;
    const input: string[] = [];
    while (i < lines.length && lines[i] !== separator) input.push(lines[i++] as string);
    if (i >= lines.length) throw new Error(`line ${line}: '${cmd}' has no ${separator}`);
    i++;
    const out: string[] = [];
    while (i < lines.length && (lines[i] as string).trim() !== '') out.push(lines[i++] as string);
    preambles.push(pre.join('\n'));
    pre = [];
    directives.push({ line, raw: l, cmd, args, input: input.join('\n'), expected: out.join('\n') });
  }
  return { preambles, directives, trailer: pre.join('\n') };
}

export function parseCommand(line: string): { cmd: string; args: Arg[] } {
  const tokens = line.trim().match(/[^\s(]+(\([^)]*\))?/g) ?? [];
  const [cmd, ...rest] = tokens;
  if (cmd === undefined) throw new Error('empty command');
  return { cmd, args: rest.map(parseArg) };
}

function parseArg(tok: string): Arg {
  const eq = tok.indexOf('=');
  if (eq < 0) return { key: tok, values: [] };
  const key = tok.slice(0, eq);
  let v = tok.slice(eq + 1);
  if (v.startsWith('(') && v.endsWith(')')) {
    v = v.slice(1, -1);
    return { key, values: v === '' ? [] : v.split(/[,\s]+/).filter((s) => s !== '') };
  }
  return { key, values: [v] };
}

/** Renders the script with `outputs` in place of the expected outputs (an empty output is written as `ok`). */
export function renderScript(script: Script, outputs: readonly string[]): string {
  const parts: string[] = [];
  script.directives.forEach((d, k) => {
    let pre = script.preambles[k] as string;
    // The blank line that ends the previous output is added by the join below.
    if (k > 0 && (pre === '' || pre.startsWith('\n'))) pre = pre.slice(1);
    if (pre !== '' || (k === 0 && script.preambles[0] !== '')) parts.push(pre);
    const out = outputs[k] ?? '';
    parts.push(d.raw + (d.input !== '' ? `\n${d.input}` : '') + `\n${separator}\n${out === '' ? 'ok' : out}\n`);
  });
  let text = parts.join('\n');
  if (script.trailer.trim() !== '') text += `\n${script.trailer}`;
  return text.endsWith('\n') ? text : text + '\n';
}

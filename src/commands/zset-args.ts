// Argument parsing for sorted-set commands, with Redis's exact rules: scores as strtod reads
// them (inf, hex floats, no NaN, no overflow), score ranges with '(' for exclusive bounds, lex
// ranges with '[', '(', '-' and '+', and the reply shapes for member/score pairs.

import { DoubleReply, err, type ErrorReply, type Reply } from '../protocol/reply.ts';

export const ERR_MINMAX_FLOAT = err('ERR min or max is not a float');
export const ERR_MINMAX_LEX = err('ERR min or max not valid string range item');
export const ERR_NAN_SCORE = err('ERR resulting score is not a number (NaN)');

const DEC_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)([pP][+-]?\d+)?$/;
const INF_RE = /^[+-]?inf(inity)?$/i;
const NONZERO_DIGIT_RE = /[1-9]/;
const LEADING_SPACE_RE = /^[ \t\n\v\f\r]+/;

/** A hex float ("0x1.8p3") as strtod reads it, or null. */
function parseHexFloat(s: string): number | null {
  const m = HEX_RE.exec(s);
  if (m === null) return null;
  const [intPart, frac = ''] = (m[2] as string).split('.');
  const digits = (intPart ?? '') + frac;
  const exp = (m[3] === undefined ? 0 : Number(m[3].slice(1))) - 4 * frac.length;
  const v = Number(BigInt('0x' + (digits === '' ? '0' : digits))) * 2 ** exp;
  return m[1] === '-' ? -v : v;
}

/**
 * The whole of s as a double the way strtod reads it (overflow gives ±inf, underflow 0), or
 * null when some of s is left over or it is NaN. `s` must not start with whitespace.
 */
function strtodWhole(s: string): number | null {
  if (INF_RE.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  if (DEC_RE.test(s)) return Number(s);
  return parseHexFloat(s);
}

/** A score argument (ZADD, ZINCRBY, WEIGHTS) as getDoubleFromObject takes it, or null. */
export function parseScore(s: string): number | null {
  if (s.length === 0 || LEADING_SPACE_RE.test(s)) return null;
  const v = strtodWhole(s);
  if (v === null) return null;
  // strtod's ERANGE: a finite number that overflowed, or one that underflowed to zero.
  if (!Number.isFinite(v) && !INF_RE.test(s)) return null;
  if (v === 0 && NONZERO_DIGIT_RE.test(s.replace(/[eEpP].*$/, '').replace(/^[+-]?0[xX]/, ''))) return null;
  return v;
}

/** One end of a score range: strtod on the text after an optional '('; "" is 0. */
function parseRangeItem(s: string): [number, boolean] | null {
  const exclusive = s.startsWith('(');
  const body = exclusive ? s.slice(1) : s;
  // strtod on "" converts nothing and leaves nothing over: 0. Whitespace alone is left over.
  if (body === '') return [0, exclusive];
  const trimmed = body.replace(LEADING_SPACE_RE, '');
  if (trimmed === '') return null;
  const v = strtodWhole(trimmed);
  return v === null ? null : [v, exclusive];
}

export interface ScoreRange {
  min: number;
  minEx: boolean;
  max: number;
  maxEx: boolean;
}

/** ZRANGEBYSCORE's min and max, or ERR min or max is not a float. */
export function parseScoreRange(min: string, max: string): ScoreRange | ErrorReply {
  const a = parseRangeItem(min);
  const b = parseRangeItem(max);
  if (a === null || b === null) return ERR_MINMAX_FLOAT;
  return { min: a[0], minEx: a[1], max: b[0], maxEx: b[1] };
}

/** One end of a lex range: '-' (below all), '+' (above all), or '[x' / '(x'. */
export interface LexItem {
  kind: 'min' | 'max' | 'value';
  value: string;
  exclusive: boolean;
}

function parseLexItem(s: string): LexItem | null {
  const c = s[0];
  if ((c === '-' || c === '+') && s.length === 1) return { kind: c === '-' ? 'min' : 'max', value: '', exclusive: true };
  if (c === '(' || c === '[') return { kind: 'value', value: s.slice(1), exclusive: c === '(' };
  return null;
}

export interface LexRange {
  min: LexItem;
  max: LexItem;
}

export function parseLexRange(min: string, max: string): LexRange | ErrorReply {
  const a = parseLexItem(min);
  const b = parseLexItem(max);
  if (a === null || b === null) return ERR_MINMAX_LEX;
  return { min: a, max: b };
}

/** Member/score pairs as Redis replies them: flat in RESP2, [member, score] pairs in RESP3. */
export function pairsReply(proto: 2 | 3, members: readonly string[], scores: readonly number[] | null): Reply {
  if (scores === null) return members.slice();
  const out: Reply[] = [];
  for (let i = 0; i < members.length; i++) {
    const m = members[i] as string;
    const s = new DoubleReply(scores[i] as number);
    if (proto === 3) out.push([m, s]);
    else out.push(m, s);
  }
  return out;
}

// Argument parsing with Redis's exact rules: integers as string2ll reads them (no '+', no
// spaces, no leading zeros), floats as strtold with inf/-inf, and the error each failure gets.

/** A 64-bit signed integer that fits a JS number exactly, or null. */
export function parseInteger(s: string): number | null {
  const b = parseBigInt(s);
  if (b === null) return null;
  if (b > BigInt(Number.MAX_SAFE_INTEGER) || b < BigInt(Number.MIN_SAFE_INTEGER)) return null;
  return Number(b);
}

const INT_RE = /^-?(0|[1-9][0-9]*)$/;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** A 64-bit signed integer (full range), or null. */
export function parseBigInt(s: string): bigint | null {
  if (s.length === 0 || s.length > 20 || !INT_RE.test(s) || s === '-0') return null;
  const b = BigInt(s);
  if (b > INT64_MAX || b < INT64_MIN) return null;
  return b;
}

/**
 * A C long argument (the full 64-bit range, as Redis reads indexes and counts), clamped to
 * ±2^53: beyond that every length and index in Floe behaves the same. Null when not an integer.
 */
export function parseLong(s: string): number | null {
  const b = parseBigInt(s);
  if (b === null) return null;
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(b > max ? max : b < -max ? -max : b);
}

export function isInt64(b: bigint): boolean {
  return b <= INT64_MAX && b >= INT64_MIN;
}

const FLOAT_RE = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INF_RE = /^[+-]?inf(inity)?$/i;

/** A double as Redis reads one (inf, -inf, +inf allowed; nan and spaces rejected), or null. */
export function parseFloatArg(s: string): number | null {
  if (s.length === 0 || s.length > 5000) return null;
  if (INF_RE.test(s)) return s[0] === '-' ? -Infinity : Infinity;
  if (!FLOAT_RE.test(s)) return null;
  const v = Number(s);
  return Number.isNaN(v) ? null : v;
}

/** Case-insensitive option match for already-lower-cased or mixed input. */
export function eqi(a: string, lowerB: string): boolean {
  return a.length === lowerB.length && a.toLowerCase() === lowerB;
}

// x87 80-bit `long double` arithmetic, exactly as Redis's INCRBYFLOAT (and HINCRBYFLOAT) does
// it: parse with strtold's rules, add with one rounding to a 64-bit significand, print with
// "%.17Lf" and strip trailing zeros. A JS double would print 10.5 + 0.1 as 10.59999999999999964;
// Redis prints 10.6, and clients see the difference, so the arithmetic is emulated with BigInt.

const SIGNIFICAND_BITS = 64; // x87 extended precision: explicit 64-bit significand
const LSB_EXPONENT_MIN = -16445; // exponent of the least significant bit of the smallest subnormal
const EXPONENT_LIMIT = 16384; // a finite value is below 2^16384
const PRINT_DECIMALS = 17; // Redis's "%.17Lf"
/** string2ld refuses strings of this many bytes or more (MAX_LONG_DOUBLE_CHARS). */
export const LONG_DOUBLE_CHARS_MAX = 5 * 1024;
// A decimal exponent beyond these bounds is certainly outside the long double range; checking
// first keeps `10n ** exp` from computing a huge number for "1e999999999".
const DECIMAL_EXPONENT_MAX = 5000;
const DECIMAL_EXPONENT_MIN = -5000;

/** A finite value is (-1)^neg · m · 2^e with m < 2^64; or an infinity. NaN is never produced. */
export type LongDouble =
  | { kind: 'finite'; neg: boolean; m: bigint; e: number }
  | { kind: 'inf'; neg: boolean };

const ZERO: LongDouble = { kind: 'finite', neg: false, m: 0n, e: 0 };

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds (-1)^neg · num / den · 2^e (num, den > 0) to the nearest long double, ties to even. */
function roundRational(neg: boolean, num: bigint, den: bigint, e: number): LongDouble {
  if (num === 0n) return { kind: 'finite', neg, m: 0n, e: 0 };
  // Scale so that the quotient has SIGNIFICAND_BITS + 2 bits or more; the rest becomes sticky.
  const shift = SIGNIFICAND_BITS + 2 - (bitLength(num) - bitLength(den));
  let n = num;
  let d = den;
  if (shift > 0) n <<= BigInt(shift);
  else d <<= BigInt(-shift);
  let q = n / d;
  let exp = e - shift;
  const sticky = n % d !== 0n;
  // Drop bits beyond the significand, and below the smallest subnormal's LSB.
  let drop = bitLength(q) - SIGNIFICAND_BITS;
  if (exp + drop < LSB_EXPONENT_MIN) drop = LSB_EXPONENT_MIN - exp;
  if (drop > 0) {
    const bd = BigInt(drop);
    const kept = q >> bd;
    const rest = q - (kept << bd);
    const half = 1n << (bd - 1n);
    const up = rest > half || (rest === half && (sticky || (kept & 1n) === 1n));
    q = up ? kept + 1n : kept;
    exp += drop;
    if (bitLength(q) > SIGNIFICAND_BITS) {
      q >>= 1n;
      exp += 1;
    }
  }
  if (q !== 0n && exp + bitLength(q) > EXPONENT_LIMIT) return { kind: 'inf', neg };
  return { kind: 'finite', neg, m: q, e: q === 0n ? 0 : exp };
}

const DEC_RE = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX_RE = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF_RE = /^([+-]?)inf(?:inity)?$/i;

/**
 * Parses s as Redis's string2ld does (strtold, the whole string, no leading space, no NaN, no
 * overflow to HUGE_VAL, no underflow to 0); null when Redis would answer "not a valid float".
 */
export function parseLongDouble(s: string): LongDouble | null {
  if (s.length === 0 || s.length >= LONG_DOUBLE_CHARS_MAX) return null;
  const inf = INF_RE.exec(s);
  if (inf !== null) return { kind: 'inf', neg: inf[1] === '-' };
  const hex = HEX_RE.exec(s);
  if (hex !== null) return parseHex(hex);
  const m = DEC_RE.exec(s);
  if (m === null) return null;
  const intDigits = m[2] ?? '';
  const fracDigits = m[3] ?? '';
  if (intDigits.length + fracDigits.length === 0) return null;
  const neg = m[1] === '-';
  const digits = (intDigits + fracDigits).replace(/^0+/, '');
  if (digits === '') return { kind: 'finite', neg, m: 0n, e: 0 };
  const exp10 = Number(m[4] ?? '0') - fracDigits.length;
  // The value is digits · 10^exp10; its magnitude is about 10^(exp10 + digits.length).
  const magnitude = exp10 + digits.length;
  if (magnitude > DECIMAL_EXPONENT_MAX) return null; // ERANGE, HUGE_VAL
  if (magnitude < DECIMAL_EXPONENT_MIN) return null; // ERANGE, 0
  const d = BigInt(digits);
  const r = exp10 >= 0 ? roundRational(neg, d * 10n ** BigInt(exp10), 1n, 0) : roundRational(neg, d, 10n ** BigInt(-exp10), 0);
  if (r.kind === 'inf') return null;
  if (r.m === 0n) return null; // underflow to zero
  return r;
}

function parseHex(m: RegExpExecArray): LongDouble | null {
  const intDigits = m[2] ?? '';
  const fracDigits = m[3] ?? '';
  if (intDigits.length + fracDigits.length === 0) return null;
  const neg = m[1] === '-';
  const n = BigInt('0x' + (intDigits + fracDigits === '' ? '0' : intDigits + fracDigits));
  const exp2 = Number(m[4] ?? '0') - 4 * fracDigits.length;
  if (n === 0n) return { kind: 'finite', neg, m: 0n, e: 0 };
  if (exp2 + bitLength(n) > EXPONENT_LIMIT + 1) return null;
  if (exp2 + bitLength(n) < LSB_EXPONENT_MIN - 1) return null;
  const r = roundRational(neg, n, 1n, exp2);
  if (r.kind === 'inf' || r.m === 0n) return null;
  return r;
}

/** A long double from a safe JS integer (an int-encoded value). */
export function longDoubleFromInteger(n: bigint): LongDouble {
  if (n === 0n) return ZERO;
  return roundRational(n < 0n, n < 0n ? -n : n, 1n, 0);
}

/** a + b rounded once, as the FPU does; null for NaN (inf + -inf). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble | null {
  if (a.kind === 'inf' || b.kind === 'inf') {
    if (a.kind === 'inf' && b.kind === 'inf' && a.neg !== b.neg) return null;
    return a.kind === 'inf' ? a : b;
  }
  if (a.m === 0n && b.m === 0n) return { kind: 'finite', neg: a.neg && b.neg, m: 0n, e: 0 };
  if (a.m === 0n) return b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const sa = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const sb = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = sa + sb;
  if (sum === 0n) return ZERO; // x + -x is +0 in round-to-nearest
  return roundRational(sum < 0n, sum < 0n ? -sum : sum, 1n, e);
}

/** "%.17Lf" with trailing zeros (and a trailing '.') removed, and "-0" printed as "0". */
export function formatLongDouble(v: LongDouble): string {
  if (v.kind === 'inf') return v.neg ? '-inf' : 'inf';
  const scale = 10n ** BigInt(PRINT_DECIMALS);
  let q: bigint;
  if (v.e >= 0) q = (v.m << BigInt(v.e)) * scale;
  else {
    const num = v.m * scale;
    const sh = BigInt(-v.e);
    q = num >> sh;
    const rest = num - (q << sh);
    const half = 1n << (sh - 1n);
    if (rest > half || (rest === half && (q & 1n) === 1n)) q += 1n;
  }
  const digits = q.toString().padStart(PRINT_DECIMALS + 1, '0');
  const intPart = digits.slice(0, digits.length - PRINT_DECIMALS);
  const frac = digits.slice(digits.length - PRINT_DECIMALS).replace(/0+$/, '');
  const body = frac === '' ? intPart : `${intPart}.${frac}`;
  return v.neg && body !== '0' ? `-${body}` : body;
}

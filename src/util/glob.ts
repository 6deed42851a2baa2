// Glob-style matching with Redis's rules (stringmatchlen): `*`, `?`, `[abc]`, `[^a]`, `[a-z]`
// (reversed ranges allowed), and `\` escapes. Used by KEYS, SCAN MATCH, CONFIG GET and friends.

/** Whether `s` matches `pattern`; `nocase` folds ASCII case. */
export function globMatch(pattern: string, s: string, nocase = false): boolean {
  const skip = { longer: false };
  return matchImpl(pattern, 0, s, 0, nocase, skip, 0);
}

const NESTING_MAX = 1000; // Redis bounds `*` recursion the same way

function eq(a: string, b: string, nocase: boolean): boolean {
  return nocase ? a.toLowerCase() === b.toLowerCase() : a === b;
}

function matchImpl(
  p: string, pi: number, s: string, si: number, nocase: boolean, skip: { longer: boolean }, nesting: number,
): boolean {
  if (nesting > NESTING_MAX) return false;
  while (pi < p.length && si < s.length) {
    const c = p[pi] as string;
    if (c === '*') {
      while (p[pi + 1] === '*') pi++;
      if (pi + 1 === p.length) return true;
      for (let k = si; k < s.length; k++) {
        if (matchImpl(p, pi + 1, s, k, nocase, skip, nesting + 1)) return true;
        // If the rest failed even with all of s left, a shorter s cannot match either.
        if (skip.longer) return false;
      }
      skip.longer = true;
      return false;
    } else if (c === '?') {
      si++;
    } else if (c === '[') {
      const r = matchClass(p, pi, s[si] as string, nocase);
      if (!r.matched) return false;
      pi = r.end;
      si++;
    } else {
      let lit = c;
      if (c === '\\' && pi + 1 < p.length) lit = p[++pi] as string;
      if (!eq(lit, s[si] as string, nocase)) return false;
      si++;
    }
    pi++;
  }
  if (si === s.length) {
    while (p[pi] === '*') pi++;
  }
  return pi === p.length && si === s.length;
}

/** Matches one char against the class starting at p[pi] === '['; returns the index of its ']'. */
function matchClass(p: string, pi: number, ch: string, nocase: boolean): { matched: boolean; end: number } {
  pi++;
  const not = p[pi] === '^';
  if (not) pi++;
  let match = false;
  while (true) {
    const c = p[pi];
    if (c === undefined) {
      pi--; // an unclosed class ends at the pattern's end, as in Redis
      break;
    }
    if (c === '\\' && pi + 2 < p.length) {
      pi++;
      if (p[pi] === ch) match = true;
    } else if (c === ']') {
      break;
    } else if (p[pi + 1] === '-' && pi + 2 < p.length) {
      let lo = c.charCodeAt(0);
      let hi = (p[pi + 2] as string).charCodeAt(0);
      if (lo > hi) [lo, hi] = [hi, lo];
      let x = ch.charCodeAt(0);
      if (nocase) {
        lo = String.fromCharCode(lo).toLowerCase().charCodeAt(0);
        hi = String.fromCharCode(hi).toLowerCase().charCodeAt(0);
        x = ch.toLowerCase().charCodeAt(0);
      }
      pi += 2;
      if (x >= lo && x <= hi) match = true;
    } else if (eq(c, ch, nocase)) {
      match = true;
    }
    pi++;
  }
  return { matched: not ? !match : match, end: pi };
}

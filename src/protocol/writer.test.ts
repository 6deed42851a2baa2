// Unit tests of the reply writer's number formatting: doubles as Redis 7.2's d2string writes
// them (integers within ±2^62, otherwise fpconv_dtoa's shortest digits and layout).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDouble } from './writer.ts';

test('doubles are formatted as Redis 7.2 formats them', () => {
  const cases: [number, string][] = [
    [0, '0'], [-0, '-0'], [Infinity, 'inf'], [-Infinity, '-inf'], [NaN, 'nan'],
    [1, '1'], [-3, '-3'], [1.5, '1.5'], [0.1, '0.1'], [-2.25, '-2.25'], [123456.789, '123456.789'],
    // integral values up to 2^62 are printed as integers, digit for digit
    [1e17, '100000000000000000'], [2 ** 62, '4611686018427387904'], [-(2 ** 62), '-4611686018427387904'],
    // beyond that fpconv: plain while at most 7 zeros pad the shortest digits, else d.ddde+x
    [2 ** 63, '9223372036854776000'], [-(2 ** 63), '-9223372036854776000'], [5e18, '5e+18'], [1.5e20, '1.5e+20'],
    [1e21, '1e+21'], [1.2345e25, '1.2345e+25'], [-1.7976931348623157e308, '-1.7976931348623157e+308'],
    // small values: plain while the point is close (fewer than 7 places past the digits), else d.ddde-x
    [0.000001, '0.000001'], [0.000123, '0.000123'], [2.5e-6, '2.5e-6'], [1e-7, '1e-7'], [1.234567e-5, '1.234567e-5'],
    [1234.5678901, '1234.5678901'], [5e-324, '5e-324'], [1e-300, '1e-300'],
  ];
  for (const [v, want] of cases) assert.equal(formatDouble(v), want, String(v));
});

test('every formatted double reads back as the same double', () => {
  let x = 12345;
  for (let i = 0; i < 20000; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const y = (Math.imul(x, 2654435761) >>> 0);
    const bits = new DataView(new ArrayBuffer(8));
    bits.setUint32(0, x);
    bits.setUint32(4, y);
    const v = bits.getFloat64(0);
    if (!Number.isFinite(v)) continue;
    const s = formatDouble(v);
    assert.ok(Object.is(Number(s), v), `${v} → ${s}`);
  }
});

// Unit tests of the long double emulation behind INCRBYFLOAT; expected strings are what
// redis-server answers for the same additions.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addLongDouble, formatLongDouble, longDoubleFromInteger, parseLongDouble, type LongDouble } from './longdouble.ts';

function incr(...steps: string[]): string {
  let v: LongDouble = longDoubleFromInteger(0n);
  for (const s of steps) {
    const d = parseLongDouble(s);
    assert.ok(d !== null, s);
    const sum = addLongDouble(parseLongDouble(formatLongDouble(v)) ?? v, d);
    assert.ok(sum !== null && sum.kind === 'finite', s);
    v = sum;
  }
  return formatLongDouble(v);
}

test('additions print exactly as redis-server prints them', () => {
  assert.equal(incr('10.50', '0.1'), '10.6');
  assert.equal(incr('5.0e3', '2.0e2'), '5200');
  assert.equal(incr('10.5', '0.1', '-5', '1e3'), '1005.59999999999999998');
  assert.equal(incr('1.1234567890123456789'), '1.12345678901234568');
  assert.equal(incr('123456789012345678'), '123456789012345678');
  assert.equal(incr('0.1', '0.2'), '0.3');
  assert.equal(incr('-0.1', '0.1'), '0');
  assert.equal(incr('1e-20'), '0');
  assert.equal(incr('-1e-20'), '0'); // "-0" prints as "0"
  assert.equal(incr('0x1.8p1'), '3');
  assert.equal(incr('3.14159265358979323846264338327950288', '-3'), '0.14159265358979324');
  assert.equal(incr('1e308', '1e308').length, 309); // no overflow in 80 bits
  assert.equal(incr('4.9406564584124654e-324'), '0');
});

test('parsing follows strtold and string2ld', () => {
  for (const ok of ['1', '-1', '+1', '.5', '5.', '1e5', '1E+5', '1e-5', 'inf', '-inf', '+Infinity', '0x10', '0X.8p-1', '0e-5000']) {
    assert.ok(parseLongDouble(ok) !== null, ok);
  }
  for (const bad of ['', ' 1', '1 ', 'nan', 'NaN', '1e', '.', '-', '0x', 'abc', '1e5000', '1e-5000', '1,5', 'x'.repeat(6000)]) {
    assert.equal(parseLongDouble(bad), null, JSON.stringify(bad));
  }
});

test('infinities and their sum', () => {
  const inf = parseLongDouble('inf');
  const minf = parseLongDouble('-inf');
  const one = parseLongDouble('1');
  assert.ok(inf !== null && minf !== null && one !== null);
  assert.equal(addLongDouble(inf, minf), null, 'inf + -inf is NaN');
  assert.deepEqual(addLongDouble(inf, one), inf);
  assert.equal(formatLongDouble(minf), '-inf');
});

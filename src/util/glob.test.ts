import { test } from 'node:test';
import assert from 'node:assert/strict';
import { globMatch } from './glob.ts';

test('glob patterns match as Redis does', () => {
  const cases: [string, string, boolean][] = [
    ['*', '', true], ['*', 'anything', true], ['h?llo', 'hello', true], ['h?llo', 'hllo', false],
    ['h*llo', 'heeeello', true], ['h[ae]llo', 'hallo', true], ['h[ae]llo', 'hillo', false],
    ['h[^e]llo', 'hallo', true], ['h[^e]llo', 'hello', false], ['h[a-b]llo', 'hbllo', true],
    ['h[b-a]llo', 'hallo', true], ['h\\*llo', 'h*llo', true], ['h\\*llo', 'hello', false],
    ['user:*:name', 'user:42:name', true], ['user:*:name', 'user:42:age', false],
    ['a*b*c', 'aXXbYYc', true], ['a*b*c', 'aXXbYY', false], ['', '', true], ['', 'a', false],
  ];
  for (const [p, s, want] of cases) assert.equal(globMatch(p, s), want, `${p} ~ ${s}`);
  assert.equal(globMatch('HELLO', 'hello', true), true);
});

test('pathological patterns finish quickly', () => {
  const s = 'a'.repeat(50);
  assert.equal(globMatch('a*a*a*a*a*a*a*a*a*a*a*a*b', s), false);
});

// Unit tests of the incremental request parser: every split point, random chunking, the limits
// and Redis's number rules, without a socket.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLength, RespParser } from './parser.ts';
import { Xoshiro128 } from '../util/prng.ts';

function frame(args: string[]): Buffer {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${a.length}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

const COMMANDS: string[][] = [
  ['SET', 'key', 'value'], ['GET', 'key'], ['SET', 'bin', '\x00\r\n\xff$*'], ['ECHO', ''], ['MSET', 'a', '1', 'b', '2'],
];
const STREAM = Buffer.concat([
  ...COMMANDS.map(frame),
  Buffer.from('PING\r\nECHO "x y"\n*0\r\n*-1\r\n\r\n'),
  frame(['DEL', 'a']),
]);
const EXPECTED = [...COMMANDS, ['PING'], ['ECHO', 'x y'], ['DEL', 'a']];

function drain(p: RespParser): string[][] {
  const out: string[][] = [];
  for (let cmd = p.next(); cmd !== null; cmd = p.next()) out.push(cmd);
  return out;
}

test('a stream split at any single offset parses to the same commands', () => {
  for (let cut = 0; cut <= STREAM.length; cut++) {
    const p = new RespParser();
    p.feed(STREAM.subarray(0, cut));
    const got = drain(p);
    p.feed(STREAM.subarray(cut));
    got.push(...drain(p));
    assert.deepEqual(got, EXPECTED, `cut at ${cut}`);
    assert.equal(p.error, null);
    assert.equal(p.pendingBytes, 0);
  }
});

test('a stream fed one byte at a time, or in random chunks, parses to the same commands', () => {
  const p = new RespParser();
  const got: string[][] = [];
  for (let i = 0; i < STREAM.length; i++) {
    p.feed(STREAM.subarray(i, i + 1));
    got.push(...drain(p));
  }
  assert.deepEqual(got, EXPECTED);
  const seed = 42;
  const rnd = new Xoshiro128(seed);
  for (let round = 0; round < 200; round++) {
    const q = new RespParser();
    const out: string[][] = [];
    for (let at = 0; at < STREAM.length;) {
      const n = 1 + rnd.int(20);
      q.feed(STREAM.subarray(at, at + n));
      at += n;
      out.push(...drain(q));
    }
    assert.deepEqual(out, EXPECTED, `seed ${seed} round ${round}`);
  }
});

test('a large bulk fed in small chunks is copied once and comes out whole', () => {
  const value = 'v'.repeat(1024 * 1024);
  const bytes = frame(['SET', 'big', value]);
  const p = new RespParser();
  const got: string[][] = [];
  for (let at = 0; at < bytes.length; at += 1000) {
    p.feed(bytes.subarray(at, at + 1000));
    got.push(...drain(p));
  }
  assert.equal(got.length, 1);
  assert.equal(got[0]?.[2], value);
});

test('protocol errors carry Redis\'s text and stop the parser', () => {
  const cases: [string, string][] = [
    ['*x\r\n', 'Protocol error: invalid multibulk length'],
    ['*1\r\n+\r\n', "Protocol error: expected '$', got '+'"],
    ['*1\r\n$-5\r\n', 'Protocol error: invalid bulk length'],
    ['SET "a\r\n', 'Protocol error: unbalanced quotes in request'],
  ];
  for (const [input, message] of cases) {
    const p = new RespParser();
    p.feed(Buffer.from(input));
    assert.equal(p.next(), null);
    assert.equal(p.error, message, input);
    p.feed(Buffer.from('PING\r\n'));
    assert.equal(p.next(), null, 'nothing parses after an error');
  }
});

test('limits: proto-max-bulk-len, query buffer, unauthenticated frames', () => {
  const small = new RespParser({ bulkLenMax: 10, queryBufferMax: 100 });
  small.feed(Buffer.from('*1\r\n$11\r\n'));
  assert.equal(small.next(), null);
  assert.equal(small.error, 'Protocol error: invalid bulk length');

  const q = new RespParser({ bulkLenMax: 1000, queryBufferMax: 100 });
  q.feed(Buffer.from('*1\r\n$500\r\n' + 'x'.repeat(95)));
  assert.equal(q.overflow, true);
  assert.equal(q.next(), null);

  const unauth = new RespParser();
  unauth.authenticated = false;
  unauth.feed(Buffer.from('*11\r\n'));
  assert.equal(unauth.next(), null);
  assert.equal(unauth.error, 'Protocol error: unauthenticated multibulk length');
  const unauthBulk = new RespParser();
  unauthBulk.authenticated = false;
  unauthBulk.feed(Buffer.from('*2\r\n$4\r\nAUTH\r\n$16385\r\n'));
  assert.equal(unauthBulk.next(), null);
  assert.equal(unauthBulk.error, 'Protocol error: unauthenticated bulk length');
  const ok = new RespParser();
  ok.authenticated = false;
  ok.feed(frame(['AUTH', 'x'.repeat(16384)]));
  assert.equal(ok.next()?.length, 2);
});

test('a hostile multibulk count allocates nothing up front', () => {
  const p = new RespParser();
  p.feed(Buffer.from('*1000000000\r\n$1\r\na\r\n'));
  assert.equal(p.next(), null);
  assert.equal(p.error, null);
  assert.ok(p.pendingBytes < 100);
});

test('parseLength follows string2ll', () => {
  const n = (s: string) => parseLength(Buffer.from(s), 0, s.length);
  assert.equal(n('0'), 0);
  assert.equal(n('123'), 123);
  assert.equal(n('-1'), -1);
  assert.equal(n('9223372036854775807'), 2 ** 63); // inexact past 2^53, as documented
  assert.equal(n('-9223372036854775808'), -(2 ** 63));
  for (const bad of ['', '-', '-0', '01', '+1', ' 1', '1 ', '1a', '9223372036854775808', '-9223372036854775809', '99999999999999999999']) {
    assert.equal(n(bad), null, JSON.stringify(bad));
  }
});

test('arguments of every short length and every byte value come out as latin1 strings', () => {
  const rnd = new Xoshiro128(7);
  const args: string[] = ['CMD'];
  for (let len = 0; len <= 40; len++) {
    for (let k = 0; k < 8; k++) {
      let s = '';
      for (let i = 0; i < len; i++) s += String.fromCharCode(rnd.int(256));
      args.push(s);
    }
  }
  const p = new RespParser();
  p.feed(frame(args));
  assert.deepEqual(drain(p), [args]);
});

test('a length line longer than the hand-scanned prefix is still found', () => {
  // `$` followed by many zeros is refused as Redis refuses it; the point is the CR past 32 bytes.
  const p = new RespParser();
  p.feed(Buffer.from(`*1\r\n$${'9'.repeat(40)}\r\n`, 'latin1'));
  assert.equal(p.next(), null);
  assert.equal(p.error, 'Protocol error: invalid bulk length');
});

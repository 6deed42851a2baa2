// Reply codec: nested random replies round-trip with their exact variant and value (number vs
// bigint, -0, NaN, infinities, binary bulk strings); malformed input fails as FLOE_ERR_PEER.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeReply, encodeReply, REPLY_DEPTH_MAX } from './reply-codec.ts';
import {
  BoolReply, DoubleReply, ErrorReply, MapReply, NULL_ARRAY, PushReply, SetReply, SimpleString, VerbatimReply,
  type Reply,
} from './reply.ts';
import { Xoshiro128 } from '../util/prng.ts';
import { FloeError } from '../util/errors.ts';

function latin1(r: Xoshiro128, max: number): string {
  let s = '';
  for (let n = r.int(max + 1); n > 0; n--) s += String.fromCharCode(r.int(256));
  return s;
}

function text(r: Xoshiro128): string {
  const pool = ['OK', 'ERR syntax error', 'héllo', '日本語', '🙂 emoji', '\r\n inside', ''];
  return r.int(2) === 0 ? (pool[r.int(pool.length)] as string) : latin1(r, 20);
}

const SPECIAL_NUMBERS = [0, -0, 1, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 2 ** 63, -(2 ** 63), 1.5, NaN, Infinity, -Infinity];

function scalar(r: Xoshiro128): Reply {
  switch (r.int(12)) {
    case 0: return latin1(r, 40);
    case 1: return r.int(2) === 0 ? r.int(1000) - 500 : (SPECIAL_NUMBERS[r.int(SPECIAL_NUMBERS.length)] as number);
    case 2: return r.int(2) === 0 ? BigInt(r.int(1000)) - 500n : -(2n ** 63n) + BigInt(r.int(10)) * 2n ** 62n;
    case 3: return null;
    case 4: return NULL_ARRAY;
    case 5: return new SimpleString(text(r));
    case 6: return new ErrorReply(text(r));
    case 7: return new DoubleReply(SPECIAL_NUMBERS[r.int(SPECIAL_NUMBERS.length)] as number);
    case 8: return new BoolReply(r.int(2) === 1);
    case 9: return new VerbatimReply(text(r));
    case 10: return '';
    default: return r.int(2 ** 32);
  }
}

function randomReply(r: Xoshiro128, depth: number): Reply {
  if (depth > 5 || r.int(3) > 0) return scalar(r);
  const items: Reply[] = [];
  for (let n = r.int(6); n > 0; n--) items.push(randomReply(r, depth + 1));
  switch (r.int(4)) {
    case 0: return items;
    case 1: return new MapReply(items.length % 2 === 0 ? items : items.slice(1));
    case 2: return new SetReply(items);
    default: return new PushReply(items);
  }
}

/** assert.deepStrictEqual treats -0 and 0 alike in some positions; this checks with Object.is. */
function sameReply(a: Reply, b: Reply, path: string): void {
  if (typeof a === 'number' || typeof b === 'number') {
    assert.ok(Object.is(a, b), `${path}: ${String(a)} vs ${String(b)}`);
    return;
  }
  if (a instanceof DoubleReply && b instanceof DoubleReply) {
    assert.ok(Object.is(a.v, b.v), `${path}: double ${a.v} vs ${b.v}`);
    return;
  }
  if (Array.isArray(a) || a instanceof MapReply || a instanceof SetReply || a instanceof PushReply) {
    assert.equal(Object.getPrototypeOf(b), Object.getPrototypeOf(a), path);
    const ai = Array.isArray(a) ? a : a instanceof MapReply ? a.entries : a.items;
    const bi = b as typeof a;
    const bItems = Array.isArray(bi) ? bi : bi instanceof MapReply ? bi.entries : bi.items;
    assert.equal(bItems.length, ai.length, path);
    ai.forEach((item, i) => sameReply(item, bItems[i] as Reply, `${path}[${i}]`));
    return;
  }
  assert.deepStrictEqual(b, a, path);
}

test('nested random replies round-trip exactly', () => {
  const r = new Xoshiro128(42);
  for (let i = 0; i < 3000; i++) {
    const reply = randomReply(r, 0);
    sameReply(decodeReply(encodeReply(reply)), reply, `seed 42 #${i}`);
  }
});

test('every variant keeps its kind', () => {
  const cases: Reply[] = [
    'bulk\x00\xff', 5, -5, 5n, 0, -0, null, NULL_ARRAY, [], [1, [2, [3]]], new SimpleString('OK'),
    new ErrorReply('WRONGTYPE x'), new DoubleReply(NaN), new DoubleReply(-Infinity), new DoubleReply(3.25),
    new MapReply(['a', 1]), new SetReply(['x']), new BoolReply(false), new BoolReply(true),
    new VerbatimReply('# Server\r\n'), new PushReply(['message', 'ch', 'hi']),
  ];
  for (const c of cases) sameReply(decodeReply(encodeReply(c)), c, String(c));
  assert.equal(typeof decodeReply(encodeReply(5n)), 'bigint');
  assert.equal(typeof decodeReply(encodeReply(5)), 'number');
  assert.equal(decodeReply(encodeReply(NULL_ARRAY)), NULL_ARRAY);
});

function isPeerError(e: unknown): boolean {
  return e instanceof FloeError && e.code === 'FLOE_ERR_PEER';
}

test('truncated, corrupt and hostile input fails as FLOE_ERR_PEER', () => {
  const r = new Xoshiro128(5);
  for (let i = 0; i < 300; i++) {
    const bytes = encodeReply(randomReply(r, 0));
    for (let cut = 0; cut < bytes.length; cut++) assert.throws(() => decodeReply(bytes.subarray(0, cut)), isPeerError);
  }
  for (let i = 0; i < 3000; i++) {
    const bytes = Uint8Array.from(encodeReply(randomReply(r, 0)));
    bytes[r.int(bytes.length)] = r.int(256);
    try {
      decodeReply(bytes);
    } catch (e) {
      assert.ok(isPeerError(e), String(e));
    }
  }
  // an array claiming 2^49 items, a bigint that is not a number, an unknown tag, trailing bytes
  assert.throws(() => decodeReply(new Uint8Array([6, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01])), /count/);
  assert.throws(() => decodeReply(new Uint8Array([5, 2, 0x31, 0x78])), /bigint/);
  assert.throws(() => decodeReply(new Uint8Array([99])), /tag/);
  assert.throws(() => decodeReply(new Uint8Array([0, 0])), /trailing/);
});

test('nesting deeper than REPLY_DEPTH_MAX is refused without exhausting the stack', () => {
  const deep = new Uint8Array(100_000).fill(6); // arrays of one array of one array...
  for (let i = 1; i < deep.length; i += 2) deep[i] = 1;
  assert.throws(() => decodeReply(deep), /too deep/);
  let ok: Reply = 'x';
  for (let i = 0; i < REPLY_DEPTH_MAX - 1; i++) ok = [ok];
  assert.deepStrictEqual(decodeReply(encodeReply(ok)), ok);
});

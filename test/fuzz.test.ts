// Fuzzing against a real floe process. Protocol fuzz: thousands of random and mutated frames
// over raw sockets, written in random pieces; the process must never crash, every byte it sends
// back must be well-formed RESP, and the keyspace must be untouched (the vocabulary is read-only
// commands whose one-byte mutations are not valid writes, so DBSIZE and a sentinel key must not
// change). Command fuzz: every command in the table with random arguments, on its own server;
// no handler may crash the process. Seeded: a failure prints the seed, and FLOE_FUZZ_SEED=<seed>
// replays it.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { decodeReply, encodeCommand, RawClient, show } from './helpers/resp.ts';
import { Xoshiro128 } from '../src/util/prng.ts';

const CONNECTIONS = 1500; // fuzz connections per run (most end at their first protocol error)
const FRAMES_PER_CONNECTION = 8; // 12,000 frames in all
const PARALLEL = 8; // connections in flight at once
const CONNECTION_TIMEOUT_MS = 10_000;
const COMMAND_FUZZ_CALLS = 20_000; // random commands in the command fuzz
const COMMAND_FUZZ_CONNECTIONS = 4;
const SENTINEL_KEY = 'fuzz-sentinel:\x00\xff:never-generated';
const SENTINEL_VALUE = 'intact\r\n\x00value';

// Read-only commands only. Ones that a single substituted byte turns into a write with the
// right arity are left out (GETRANGE→SETRANGE, GETDEL, MGET with an even key count→MSET).
const VOCABULARY: ((r: Xoshiro128) => (string | Buffer)[])[] = [
  (r) => ['GET', key(r)],
  (r) => ['MGET', key(r), key(r), key(r)],
  (r) => ['STRLEN', key(r)],
  (r) => ['EXISTS', key(r), key(r)],
  (r) => ['TTL', key(r)],
  (r) => ['PTTL', key(r)],
  (r) => ['TYPE', key(r)],
  (r) => ['ECHO', value(r)],
  (r) => (r.next() < 0.5 ? ['PING'] : ['PING', value(r)]),
  (r) => ['SCAN', String(r.int(100)), 'COUNT', String(1 + r.int(50))],
  (r) => ['KEYS', `fz:${r.int(10)}*`],
  () => ['DBSIZE'],
  (r) => ['INFO', ['server', 'memory', 'stats', 'keyspace'][r.int(4)] as string],
  (r) => ['OBJECT', 'ENCODING', key(r)],
  (r) => ['HELLO', String(r.int(5))],
  () => ['TIME'],
  (r) => ['COMMAND', 'INFO', ['get', 'set', 'client'][r.int(3)] as string],
  () => ['CLIENT', 'GETNAME'],
  (r) => ['MEMORY', 'USAGE', key(r)],
  (r) => ['EXPIRETIME', key(r)],
];

function key(r: Xoshiro128): string {
  return `fz:${r.int(20)}`;
}

function value(r: Xoshiro128): Buffer {
  const b = Buffer.alloc(r.int(40));
  for (let i = 0; i < b.length; i++) b[i] = r.int(256);
  return b;
}

function randomBytes(r: Xoshiro128, n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = r.int(256);
  return b;
}

/** One mutation of a frame: the kinds of damage a broken client or network produces. */
function mutate(r: Xoshiro128, f: Buffer): Buffer {
  if (f.length === 0) return randomBytes(r, 1 + r.int(8));
  const at = r.int(f.length);
  switch (r.int(9)) {
    case 0: { // replace a byte
      const g = Buffer.from(f);
      g[at] = r.int(256);
      return g;
    }
    case 1: // insert random bytes
      return Buffer.concat([f.subarray(0, at), randomBytes(r, 1 + r.int(4)), f.subarray(at)]);
    case 2: // delete a range
      return Buffer.concat([f.subarray(0, at), f.subarray(at + 1 + r.int(6))]);
    case 3: // truncate
      return f.subarray(0, at);
    case 4: // duplicate a range
      return Buffer.concat([f.subarray(0, at), f.subarray(at, at + 1 + r.int(10)), f.subarray(at)]);
    case 5: { // change a digit (lengths and counts)
      const g = Buffer.from(f);
      const digits = [...g.keys()].filter((i) => (g[i] ?? 0) >= 48 && (g[i] ?? 0) <= 57);
      if (digits.length > 0) g[digits[r.int(digits.length)] as number] = 48 + r.int(10);
      return g;
    }
    case 6: // inject a CRLF or a lone CR/LF
      return Buffer.concat([f.subarray(0, at), Buffer.from(['\r\n', '\r', '\n'][r.int(3)] as string), f.subarray(at)]);
    case 7: // a protocol sigil in the middle
      return Buffer.concat([f.subarray(0, at), Buffer.from(['*', '$', '-', ':', '+', '"', "'", '\\'][r.int(8)] as string), f.subarray(at)]);
    default: // a huge length
      return Buffer.concat([f.subarray(0, at), Buffer.from(['*999999999', '$2147483647', '*-5', '$-1', '*1\r\n$99999999'][r.int(5)] as string), f.subarray(at)]);
  }
}

/** A frame: valid, mutated (1-3 times), random bytes, or random inline text. */
function frame(r: Xoshiro128): Buffer {
  const kind = r.next();
  const make = VOCABULARY[r.int(VOCABULARY.length)] as (r: Xoshiro128) => (string | Buffer)[];
  if (kind < 0.3) return encodeCommand(make(r));
  if (kind < 0.8) {
    let f = encodeCommand(make(r));
    const times = 1 + r.int(3);
    for (let i = 0; i < times; i++) f = mutate(r, f);
    return f;
  }
  if (kind < 0.9) return randomBytes(r, 1 + r.int(64));
  const alphabet = 'GETPINGECHOTYPE fz:1 "\'\\x41\\n\t';
  let s = '';
  const n = r.int(40);
  for (let i = 0; i < n; i++) s += alphabet[r.int(alphabet.length)];
  return Buffer.from(s + (r.next() < 0.8 ? '\r\n' : ''), 'latin1');
}

interface Outcome {
  bytes: number;
  replies: number;
}

/** Sends one connection's frames in random pieces, half-closes, and checks what came back. */
async function fuzzConnection(port: number, r: Xoshiro128, resp3: boolean): Promise<Outcome> {
  const sock = connect({ port, host: '127.0.0.1' });
  await once(sock, 'connect');
  const chunks: Buffer[] = [];
  sock.on('data', (d: Buffer) => chunks.push(d));
  sock.on('error', () => {
    // A reset after the server closed is fine; the bytes so far are checked below.
  });
  const closed = once(sock, 'close');
  let input = resp3 ? encodeCommand(['HELLO', '3']) : Buffer.alloc(0);
  for (let i = 0; i < FRAMES_PER_CONNECTION; i++) input = Buffer.concat([input, frame(r)]);
  for (let at = 0; at < input.length;) {
    const n = 1 + r.int(200);
    if (!sock.destroyed) sock.write(input.subarray(at, at + n));
    at += n;
  }
  sock.end();
  const timer = setTimeout(() => sock.destroy(new Error('fuzz connection timed out')), CONNECTION_TIMEOUT_MS);
  await closed;
  clearTimeout(timer);
  const out = Buffer.concat(chunks);
  let replies = 0;
  for (let pos = 0; pos < out.length; replies++) {
    const d = decodeReply(out, pos);
    assert.ok(d !== null, `truncated reply at byte ${pos} of ${out.length}: ${JSON.stringify(out.toString('latin1', pos, pos + 80))}`);
    pos = d.end;
  }
  return { bytes: out.length, replies };
}

describe('protocol fuzz', () => {
  let floe: FloeProcess;
  let control: RawClient;
  before(async () => {
    floe = await startFloe();
    control = await RawClient.connect(floe.port);
  });
  after(async () => {
    control?.close();
    await floe?.stop();
  });

  test('random and mutated frames never crash the server or touch the keyspace', async () => {
    const seed = process.env.FLOE_FUZZ_SEED !== undefined ? Number(process.env.FLOE_FUZZ_SEED) : Date.now() % 1_000_000;
    const where = `seed ${seed} (replay: FLOE_FUZZ_SEED=${seed} node --test test/fuzz.test.ts)`;
    assert.equal(await control.text('SET', SENTINEL_KEY, SENTINEL_VALUE), '+OK');
    const fixture: string[] = [];
    for (let i = 0; i < 20; i += 2) fixture.push(`fz:${i}`, `v${i}`); // keys the fuzz frames read
    assert.equal(await control.text('MSET', ...fixture), '+OK');
    const dbsize = await control.text('DBSIZE');
    let replies = 0;
    let next = 0;
    const worker = async () => {
      while (next < CONNECTIONS) {
        const i = next++;
        // Each connection has its own stream, so one connection replays alone from (seed, i).
        const r = new Xoshiro128(seed * 1000 + i);
        const o = await fuzzConnection(floe.port, r, i % 4 === 0).catch((e: unknown) => {
          throw new Error(`${where}, connection ${i}: ${e instanceof Error ? e.message : String(e)}`);
        });
        replies += o.replies;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    assert.equal(floe.proc.exitCode, null, `${where}: the server exited\n${floe.output()}`);
    assert.equal(await control.text('PING'), '+PONG', where);
    assert.equal(await control.text('DBSIZE'), dbsize, `${where}: DBSIZE changed`);
    assert.equal(await control.text('GET', SENTINEL_KEY), show({ type: 'bulk', value: SENTINEL_VALUE }), where);
    for (let i = 0; i < 20; i += 2) assert.equal(await control.text('GET', `fz:${i}`), `"v${i}"`, where);
    assert.ok(replies > CONNECTIONS, `${where}: only ${replies} replies; the fuzz hardly reached the server`);
    assert.doesNotMatch(floe.output(), /Error|at .*\.ts:\d+/, `${where}: the server logged an error`);
  });

  test('every command with random arguments never crashes the server', async () => {
    const seed = process.env.FLOE_FUZZ_SEED !== undefined ? Number(process.env.FLOE_FUZZ_SEED) : Date.now() % 1_000_000;
    const where = `seed ${seed} (replay: FLOE_FUZZ_SEED=${seed} node --test test/fuzz.test.ts)`;
    const server = await startFloe(['--maxmemory', '64mb', '--maxmemory-policy', 'allkeys-lru']);
    const clients: RawClient[] = [];
    try {
      const probe = await RawClient.connect(server.port);
      clients.push(probe);
      const list = await probe.call('COMMAND', 'LIST');
      assert.ok(list.type === 'array' && list.value !== null);
      // Commands that would cut the fuzz off from the server rather than test it.
      const excluded = new Set(['config', 'client', 'quit', 'reset', 'hello', 'auth', 'shutdown', 'debug', 'monitor', 'subscribe', 'psubscribe', 'ssubscribe', 'sync', 'psync', 'replicaof', 'slaveof', 'failover', 'cluster']);
      const all = list.value.map((v) => (v.type === 'bulk' ? v.value ?? '' : '')).filter((n) => !excluded.has(n));
      const names: string[] = [];
      const subs = new Map<string, string[]>();
      for (const n of all) {
        const info = await probe.call('COMMAND', 'INFO', n);
        // A blocking command may wait forever (BLPOP k 0): correct, but it would stall the fuzz.
        if (show(info).includes('+blocking')) continue;
        names.push(n);
        const m = /"([a-z-]+)\|([a-z-]+)"/g;
        for (const hit of show(info).matchAll(m)) subs.set(hit[1] as string, [...(subs.get(hit[1] as string) ?? []), hit[2] as string]);
      }
      for (let i = 0; i < COMMAND_FUZZ_CONNECTIONS; i++) clients.push(await RawClient.connect(server.port));
      const r = new Xoshiro128(seed);
      const last: string[] = [];
      for (let call = 0; call < COMMAND_FUZZ_CALLS; call++) {
        const name = names[r.int(names.length)] as string;
        const args: (string | Buffer)[] = [name];
        const sub = subs.get(name);
        if (sub !== undefined && r.next() < 0.9) args.push(sub[r.int(sub.length)] as string);
        const n = r.int(7);
        for (let i = 0; i < n; i++) args.push(randomArg(r));
        const c = clients[1 + (call % COMMAND_FUZZ_CONNECTIONS)] as RawClient;
        last.push(`[conn ${1 + (call % COMMAND_FUZZ_CONNECTIONS)}] ${args.map((a) => JSON.stringify(a.toString('latin1').slice(0, 40))).join(' ')}`);
        if (last.length > 200) last.shift();
        c.write(encodeCommand(args));
        // Read in rounds so a crash is seen near the command that caused it.
        if (call % 50 === 49) {
          for (const cl of clients.slice(1)) {
            // A MULTI left open would queue the PING; DISCARD first.
            cl.write(Buffer.concat([encodeCommand(['DISCARD']), encodeCommand(['PING', 'round'])]));
            while (true) {
              const reply = await cl.read().catch((e: unknown) => {
                throw new Error(`${where}: connection ${clients.indexOf(cl)} lost near call ${call} (${e instanceof Error ? e.message : String(e)}); its last commands:\n${last.filter((l) => l.startsWith(`[conn ${clients.indexOf(cl)}]`)).join('\n')}\n${server.output()}`);
              });
              if (show(reply) === '"round"') break;
            }
          }
        }
      }
      assert.equal(server.proc.exitCode, null, `${where}: the server exited\n${server.output()}`);
      assert.equal(await probe.text('PING'), '+PONG');
    } finally {
      for (const c of clients) c.close();
      await server.stop();
    }
  });
});

const OPTION_WORDS = [
  'EX', 'PX', 'EXAT', 'PXAT', 'NX', 'XX', 'GT', 'LT', 'KEEPTTL', 'GET', 'PERSIST', 'MATCH', 'COUNT', 'TYPE', 'REPLACE', 'DB',
  'ASYNC', 'SYNC', 'SAMPLES', 'WITHSCORES', 'LIMIT', 'BYSCORE', 'BYLEX', 'REV', 'LEFT', 'RIGHT', 'BEFORE', 'AFTER', 'RANK',
  'MAXLEN', 'IDLE', 'FILTERBY', 'PATTERN', 'ID', 'ADDR', 'SKIPME', 'WITHVALUES', 'INCR', 'CH', 'AGGREGATE', 'WEIGHTS',
];

function randomArg(r: Xoshiro128): string | Buffer {
  switch (r.int(10)) {
    case 0: return `fk:${r.int(8)}`;
    case 1: return `fk:${r.int(8)}`;
    case 2: return String(r.int(20) - 5);
    case 3: return ['0', '-1', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '4294967296', '99999999999999999999'][r.int(7)] as string;
    case 4: return ['1.5', '-0.5', 'inf', '-inf', '+inf', 'nan', '1e308', '-1e-300', '0x10', '.'][r.int(10)] as string;
    case 5: return OPTION_WORDS[r.int(OPTION_WORDS.length)] as string;
    case 6: return ['', ' ', '*', '[a-', '\\', '?*?*?*?*?*?*?*?*?*?*?*?*?*b', '(1', '[a', '-', '+'][r.int(10)] as string;
    case 7: return value(r);
    case 8: return 'x'.repeat(r.int(3000));
    default: return `fk:${r.int(8)}`;
  }
}

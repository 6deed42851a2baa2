// The wire protocol against a real floe process over raw sockets: malformed input answered with
// Redis's exact error (checked against redis-server too when it is installed), frames split at
// every byte, inline commands, deep pipelines, large values and RESP3's reply types.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { redisServerPath, startRedis, type RedisProcess } from './helpers/redis.ts';
import { encodeCommand, RawClient, show } from './helpers/resp.ts';

const QUIET_MS = 300; // how long "no reply" is awaited before the connection counts as waiting

/** [bytes sent on a fresh connection, replies in canonical form, then CLOSED or open]. */
const WIRE_CASES: [string, string][] = [
  ['*abc\r\n', '-ERR Protocol error: invalid multibulk length | CLOSED'],
  ['*1\r\nfoo\r\n', "-ERR Protocol error: expected '$', got 'f' | CLOSED"],
  ['*1\r\n$abc\r\n', '-ERR Protocol error: invalid bulk length | CLOSED'],
  ['*1\r\n$-1\r\n', '-ERR Protocol error: invalid bulk length | CLOSED'],
  ['*1\r\n$4\r\nPINGxx*1\r\n$4\r\nPING\r\n', '+PONG | +PONG | open'], // the 2 bytes after a bulk are not checked
  ['*-1\r\nPING\r\n', '+PONG | open'],
  ['*0\r\nPING\r\n', '+PONG | open'],
  ['*-2\r\n', 'open'],
  ['SET "a b\r\n', '-ERR Protocol error: unbalanced quotes in request | CLOSED'],
  ["SET 'a'b c\r\n", '-ERR Protocol error: unbalanced quotes in request | CLOSED'],
  ['ECHO "a"b\r\n', '-ERR Protocol error: unbalanced quotes in request | CLOSED'],
  ['PING\nPING\r\n\r\n\nECHO "a\\x41\\n"\r\n', '+PONG | +PONG | "aA\\n" | open'],
  ['*2147483648\r\n', '-ERR Protocol error: invalid multibulk length | CLOSED'],
  ['*1\r\n$536870913\r\n', '-ERR Protocol error: invalid bulk length | CLOSED'],
  ['*3\r\n$3\r\nSET\r\n$1\r\n', 'open'],
  ['*1\r\n$+3\r\nabc\r\n', '-ERR Protocol error: invalid bulk length | CLOSED'],
  ['*+1\r\n$4\r\nPING\r\n', '-ERR Protocol error: invalid multibulk length | CLOSED'],
  ['*01\r\n$04\r\nPING\r\n', '-ERR Protocol error: invalid multibulk length | CLOSED'],
  ['* 1\r\n', '-ERR Protocol error: invalid multibulk length | CLOSED'],
  ['*1 \r\n', '-ERR Protocol error: invalid multibulk length | CLOSED'],
  ['*1\r\n$-0\r\n', '-ERR Protocol error: invalid bulk length | CLOSED'],
  ['*-0\r\n', '-ERR Protocol error: invalid multibulk length | CLOSED'],
  ['*\r\n', '-ERR Protocol error: invalid multibulk length | CLOSED'],
  ['*1\r\n$\r\n', '-ERR Protocol error: invalid bulk length | CLOSED'],
  ['*-9999999999999999999\r\n', '-ERR Protocol error: invalid multibulk length | CLOSED'],
  ['*-99999999999999999\r\nPING\r\n', '+PONG | open'],
  ['*1\n$4\nPING\n', 'open'], // a multibulk line ends at CR, not LF
  ['*1\rX$4\rXPING\rX', '+PONG | open'], // ...and the byte after the CR is skipped unchecked
  ['*2\r\n$4\r\necho\r\n$1\r\n\r\r\n', '"\\r" | open'],
  ['$4\r\nPING\r\n', "-ERR unknown command '$4', with args beginning with:  | +PONG | open"],
  [':1\r\n', "-ERR unknown command ':1', with args beginning with:  | open"],
  ['*1\r\n$0\r\n\r\n', "-ERR unknown command '', with args beginning with:  | open"],
  ['*2\r\n$4\r\necho\r\n$0\r\n\r\n', '"" | open'],
  ['"ping"\r\n', '+PONG | open'],
  ["ECHO ''\r\n", '"" | open'],
  ['ECHO "\\q\\x4g"\r\n', '"qx4g" | open'],
  ['ECHO a"b"\r\n', '"ab" | open'],
  ['\r\n', 'open'],
  ['PING\r', 'open'],
  ['x'.repeat(70_000), '-ERR Protocol error: too big inline request | CLOSED'],
  ['*' + '1'.repeat(70_000), '-ERR Protocol error: too big mbulk count string | CLOSED'],
  ['*1\r\n$' + '1'.repeat(70_000), '-ERR Protocol error: too big bulk count string | CLOSED'],
];

/**
 * What a fresh connection answers to `input`: its replies, then CLOSED or open. The replies the
 * expectation names are awaited patiently (a busy machine may be slow); only the final "nothing
 * more, still open" waits a fixed quiet time.
 */
async function wireOutcome(port: number, input: string, expected: string): Promise<string> {
  const parts = expected.split(' | ');
  const expectClosed = parts[parts.length - 1] === 'CLOSED';
  const c = await RawClient.connect(port);
  try {
    c.write(input);
    const replies: string[] = [];
    try {
      for (let i = 0; i < parts.length - 1; i++) replies.push(show(await c.read()));
      if (expectClosed) await c.waitClosed();
      else replies.push(show(await c.read(QUIET_MS))); // anything more is a difference
    } catch {
      // Closed early, or quiet: the state below tells which.
    }
    replies.push(c.isClosed ? 'CLOSED' : 'open');
    return replies.join(' | ');
  } finally {
    c.close();
  }
}

/** Runs every wire case on its own connection, all at once (the quiet waits overlap). */
async function compareWire(port: number, who: string): Promise<string[]> {
  const got = await Promise.all(WIRE_CASES.map(([input, expected]) => wireOutcome(port, input, expected)));
  const diffs: string[] = [];
  for (const [i, [input, expected]] of WIRE_CASES.entries()) {
    if (got[i] !== expected) diffs.push(`${JSON.stringify(input.slice(0, 40))}\n   ${who}: ${got[i]}\n   expected: ${expected}`);
  }
  return diffs;
}

/** A pipeline exercising every argument shape: binary, empty, CRLF inside values, inline. */
function samplePipeline(): Buffer {
  const bin = Buffer.from([0, 1, 2, 13, 10, 36, 42, 255, 128]);
  return Buffer.concat([
    encodeCommand(['SET', 'split:bin', bin]),
    encodeCommand(['GET', 'split:bin']),
    Buffer.from('PING\r\n'),
    encodeCommand(['SET', 'split:empty', '']),
    encodeCommand(['STRLEN', 'split:empty']),
    Buffer.from('ECHO "quoted \\x41 value"\n'),
    encodeCommand(['INCRBY', 'split:n', '41']),
    encodeCommand(['INCR', 'split:n']),
    encodeCommand(['APPEND', 'split:bin', 'x'.repeat(300)]),
    encodeCommand(['MGET', 'split:n', 'split:none', 'split:empty']),
    Buffer.from('*0\r\n*-1\r\n'),
    encodeCommand(['HELLO', '3']),
    encodeCommand(['GET', 'split:none']),
    encodeCommand(['CONFIG', 'GET', 'maxmemory-policy']),
    encodeCommand(['DEL', 'split:bin', 'split:empty', 'split:n']),
  ]);
}

async function readAll(c: RawClient, n: number): Promise<string[]> {
  const out: string[] = [];
  // HELLO's reply names the connection; the rest must match byte for byte.
  for (let i = 0; i < n; i++) out.push(show(await c.read()).replace(/"id": :\d+/, '"id": N'));
  return out;
}

const PIPELINE_REPLIES = 14; // `*0` and `*-1` get no reply

describe('wire protocol', () => {
  let floe: FloeProcess;
  before(async () => {
    floe = await startFloe();
  });
  after(async () => {
    await floe?.stop();
  });

  test('malformed input gets Redis\'s error and the connection closes; harmless oddities run', async () => {
    const diffs = await compareWire(floe.port, 'floe');
    assert.equal(diffs.length, 0, diffs.join('\n'));
  });

  describe('the same cases against redis-server (keeps the table honest)', { skip: redisServerPath() === null ? 'redis-server is not installed' : false }, () => {
    let redis: RedisProcess;
    before(async () => {
      redis = await startRedis();
    });
    after(async () => {
      await redis?.stop();
    });
    test('redis-server answers as the table says', async () => {
      const diffs = await compareWire(redis.port, 'redis');
      assert.equal(diffs.length, 0, diffs.join('\n'));
    });
  });

  test('a pipeline sent one byte per write gives the same replies as sent whole', async () => {
    const frames = samplePipeline();
    const whole = await RawClient.connect(floe.port);
    const bytewise = await RawClient.connect(floe.port);
    try {
      whole.write(frames);
      const expected = await readAll(whole, PIPELINE_REPLIES);
      assert.equal(expected[1], JSON.stringify(Buffer.from([0, 1, 2, 13, 10, 36, 42, 255, 128]).toString('latin1')));
      assert.equal(expected[5], '"quoted A value"');
      assert.equal(expected[7], ':42');
      for (let i = 0; i < frames.length; i++) {
        bytewise.write(frames.subarray(i, i + 1));
        // Let the byte leave as its own segment now and then, so the server sees real splits.
        if (i % 3 === 0) await tick();
      }
      assert.deepEqual(await readAll(bytewise, PIPELINE_REPLIES), expected);
    } finally {
      whole.close();
      bytewise.close();
    }
  });

  test('a pipeline split at every offset into two writes is answered the same', async () => {
    const frames = samplePipeline();
    const ref = await RawClient.connect(floe.port);
    ref.write(frames);
    const expected = await readAll(ref, PIPELINE_REPLIES);
    ref.close();
    const c = await RawClient.connect(floe.port);
    try {
      // One connection, many rounds: after each round the connection is back in RESP3, so the
      // reference is the second half of a RESP3 run; HELLO 2 resets it before every round.
      for (let cut = 1; cut < frames.length; cut += 7) {
        c.write(encodeCommand(['HELLO', '2']));
        await c.read();
        c.write(frames.subarray(0, cut));
        await tick();
        c.write(frames.subarray(cut));
        assert.deepEqual(await readAll(c, PIPELINE_REPLIES), expected, `cut at ${cut}`);
      }
    } finally {
      c.close();
    }
  });

  test('10,000 pipelined commands in one write come back in order', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      const n = 10_000;
      const parts: Buffer[] = [];
      for (let i = 0; i < n; i++) parts.push(encodeCommand(['ECHO', `m${i}`]));
      c.write(Buffer.concat(parts));
      for (let i = 0; i < n; i++) assert.equal(show(await c.read()), `"m${i}"`);
    } finally {
      c.close();
    }
  });

  test('command names in any case, also past the table of remembered spellings', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      assert.equal(show(await c.call('SeT', 'case:k', 'v')), '+OK');
      for (const name of ['GET', 'get', 'Get', 'gEt']) assert.equal(show(await c.call(name, 'case:k')), '"v"', name);
      // More spellings than the table remembers (1024): every one still resolves.
      const word = 'zremrangebyscore';
      for (let i = 0; i < 1500; i++) {
        const name = [...word].map((ch, j) => ((i >> j) & 1 ? ch.toUpperCase() : ch)).join('');
        assert.equal(show(await c.call(name, 'case:z', '0', '1')), ':0', name);
      }
      assert.equal(show(await c.call('NOSUCH', 'x')), "-ERR unknown command 'NOSUCH', with args beginning with: 'x' ");
    } finally {
      c.close();
    }
  });

  test('a 4 MiB value arrives in many reads and round-trips', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      const value = Buffer.alloc(4 * 1024 * 1024);
      for (let i = 0; i < value.length; i++) value[i] = (i * 31) & 0xff;
      const frame = encodeCommand(['SET', 'big', value]);
      for (let off = 0; off < frame.length; off += 65_536) c.write(frame.subarray(off, off + 65_536));
      assert.equal(show(await c.read()), '+OK');
      const got = await c.call('GET', 'big');
      assert.ok(got.type === 'bulk' && got.value !== null);
      assert.ok(Buffer.from(got.value, 'latin1').equals(value));
      assert.equal(await c.text('STRLEN', 'big'), `:${value.length}`);
      await c.call('DEL', 'big');
    } finally {
      c.close();
    }
  });

  test('inline commands as telnet sends them', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      c.write('SET inline:k "hello world"\r\nGET inline:k\nEXISTS inline:k  inline:none\r\n  \r\nDEL inline:k\r\n');
      assert.deepEqual(await readAll(c, 4), ['+OK', '"hello world"', ':1', ':1']);
      c.write("SET inline:q 'it\\'s'\r\nGET inline:q\r\nECHO \"tab\\there\"\r\n");
      assert.deepEqual(await readAll(c, 3), ['+OK', '"it\'s"', '"tab\\there"']);
    } finally {
      c.close();
    }
  });

  test('RESP3 reply types: null, map, set, verbatim, and back to RESP2', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      assert.equal((await c.call('HELLO', '3')).type, 'map');
      assert.equal(await c.text('GET', 'resp3:none'), '(null)');
      assert.equal(await c.text('CONFIG', 'GET', 'maxmemory-policy'), '{"maxmemory-policy": "noeviction"}');
      assert.equal((await c.call('INFO', 'server')).type, 'verbatim');
      assert.equal((await c.call('CLIENT', 'INFO')).type, 'verbatim');
      assert.match(await c.text('COMMAND', 'INFO', 'get'), /~\[\+readonly, \+fast\]/);
      assert.equal((await c.call('HELLO', '2')).type, 'array');
      assert.equal(await c.text('GET', 'resp3:none'), '(nil)');
      assert.equal(await c.text('CONFIG', 'GET', 'maxmemory-policy'), '["maxmemory-policy", "noeviction"]');
      assert.equal((await c.call('INFO', 'server')).type, 'bulk');
    } finally {
      c.close();
    }
  });

  test('commands parsed before a protocol error still run and are answered', async () => {
    const c = await RawClient.connect(floe.port);
    try {
      c.write(Buffer.concat([encodeCommand(['SET', 'pe:k', 'v']), Buffer.from('*1\r\n$x\r\n'), encodeCommand(['SET', 'pe:after', 'v'])]));
      assert.deepEqual(await readAll(c, 2), ['+OK', '-ERR Protocol error: invalid bulk length']);
      await c.waitClosed();
      const d = await RawClient.connect(floe.port);
      assert.equal(await d.text('EXISTS', 'pe:k', 'pe:after'), ':1');
      await d.call('DEL', 'pe:k');
      d.close();
    } finally {
      c.close();
    }
  });
});

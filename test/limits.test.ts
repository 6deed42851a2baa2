// Input and output limits of a real floe process: proto-max-bulk-len (frames and values), the
// multibulk count, the query buffer, the smaller limits before AUTH, and a slow reader cut off at
// the output buffer limit (hard at once, soft after its grace period) instead of growing memory.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFloe, type FloeProcess } from './helpers/server.ts';
import { encodeCommand, RawClient, show } from './helpers/resp.ts';

const MIB = 1024 * 1024;
const CLOSE_DEADLINE_MS = 15_000;

/** Waits for p, failing after CLOSE_DEADLINE_MS (the timer is cleared, so nothing lingers). */
async function withDeadline<T>(p: Promise<T>, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const fail = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), CLOSE_DEADLINE_MS);
  });
  try {
    return await Promise.race([p, fail]);
  } finally {
    clearTimeout(timer);
  }
}

describe('limits', () => {
  let floe: FloeProcess;
  let admin: RawClient;
  before(async () => {
    floe = await startFloe();
    admin = await RawClient.connect(floe.port);
  });
  after(async () => {
    admin?.close();
    await floe?.stop();
  });

  test('proto-max-bulk-len bounds a bulk in a frame and a string a command builds', async () => {
    assert.equal(await admin.text('CONFIG', 'SET', 'proto-max-bulk-len', '1mb'), '+OK');
    try {
      const c = await RawClient.connect(floe.port);
      assert.equal(await c.text('SET', 'max', 'x'.repeat(MIB)), '+OK'); // exactly the limit is fine
      c.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${MIB + 1}\r\n`);
      assert.equal(show(await c.read()), '-ERR Protocol error: invalid bulk length');
      await c.waitClosed();
      assert.equal(await admin.text('APPEND', 'max', 'y'), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)');
      assert.equal(await admin.text('SETRANGE', 'max', String(MIB), 'y'), '-ERR string exceeds maximum allowed size (proto-max-bulk-len)');
      assert.equal(await admin.text('SETRANGE', 'max', String(MIB - 1), 'y'), `:${MIB}`);
      assert.equal(await admin.text('STRLEN', 'max'), `:${MIB}`);
    } finally {
      await admin.call('CONFIG', 'SET', 'proto-max-bulk-len', '512mb');
      await admin.call('DEL', 'max');
    }
  });

  test('the multibulk count is bounded', async () => {
    const c = await RawClient.connect(floe.port);
    c.write('*2147483648\r\n');
    assert.equal(show(await c.read()), '-ERR Protocol error: invalid multibulk length');
    await c.waitClosed();
    // A large but legal count waits for its elements without allocating for them up front.
    const d = await RawClient.connect(floe.port);
    d.write('*1000000\r\n$4\r\nMSET\r\n');
    assert.equal(await admin.text('PING'), '+PONG');
    const list = await admin.call('CLIENT', 'LIST');
    assert.match(list.type === 'bulk' ? list.value ?? '' : '', /qbuf=\d+/);
    d.close();
  });

  test('the query buffer limit closes a client that sends an endless frame', async () => {
    assert.equal(await admin.text('CONFIG', 'SET', 'client-query-buffer-limit', '1mb'), '+OK');
    try {
      const c = await RawClient.connect(floe.port);
      c.write(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${4 * MIB}\r\n`);
      const chunk = Buffer.alloc(64 * 1024, 'x');
      for (let i = 0; i < 40 && !c.isClosed; i++) {
        c.write(chunk);
        await sleep(1);
      }
      await c.waitClosed(CLOSE_DEADLINE_MS); // closed without a reply, as Redis does
      assert.equal(c.pending.length, 0);
      assert.equal(await admin.text('EXISTS', 'k'), ':0');
      // An inline command without a newline is cut at 64 KiB whatever the buffer limit.
      const d = await RawClient.connect(floe.port);
      d.write('x'.repeat(70 * 1024));
      assert.equal(show(await d.read()), '-ERR Protocol error: too big inline request');
      await d.waitClosed();
    } finally {
      await admin.call('CONFIG', 'SET', 'client-query-buffer-limit', '1gb');
    }
  });

  test('a slow reader is disconnected at the hard output buffer limit', async () => {
    assert.equal(await admin.text('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 0 0'), '+OK');
    try {
      await admin.call('SET', 'big', 'x'.repeat(256 * 1024));
      const sock = connect({ port: floe.port, host: '127.0.0.1' });
      await once(sock, 'connect');
      sock.pause(); // never read: replies pile up in the server
      const closed = once(sock, 'close');
      sock.on('error', () => {
        // A reset is how the server cuts it off.
      });
      const gets = Buffer.concat(Array.from({ length: 400 }, () => encodeCommand(['GET', 'big']))); // 100 MiB of replies
      sock.write(gets);
      const listed = await admin.call('CLIENT', 'LIST');
      assert.equal(listed.type, 'bulk');
      // The server cuts the connection once its own queue passes 1 MiB.
      sock.resume();
      let received = 0;
      sock.on('data', (d: Buffer) => (received += d.length));
      await withDeadline(closed, 'the slow reader was never disconnected');
      assert.ok(received < 400 * 256 * 1024, `the whole ${received} bytes arrived; nothing was cut`);
      assert.equal(await admin.text('PING'), '+PONG');
    } finally {
      await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 256mb 64mb 60');
      await admin.call('DEL', 'big');
    }
  });

  test('a slow reader over the soft limit for longer than its grace period is disconnected', async () => {
    assert.equal(await admin.text('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 256kb 1'), '+OK');
    try {
      await admin.call('SET', 'big', 'x'.repeat(256 * 1024));
      const sock = connect({ port: floe.port, host: '127.0.0.1' });
      await once(sock, 'connect');
      sock.pause();
      const closed = once(sock, 'close');
      sock.on('error', () => {
        // Expected when the server cuts it off.
      });
      sock.write(Buffer.concat(Array.from({ length: 120 }, () => encodeCommand(['GET', 'big'])))); // 30 MiB
      // No hard limit: only the cron's check of the soft limit can end it, a second or more
      // later. The paused socket cannot see the close, so ask the server for its clients.
      const addr = `addr=127.0.0.1:${sock.localPort} `;
      const deadline = Date.now() + CLOSE_DEADLINE_MS;
      let seen = false;
      while (true) {
        const list = await admin.call('CLIENT', 'LIST');
        const present = (list.type === 'bulk' ? list.value ?? '' : '').includes(addr);
        seen ||= present;
        if (seen && !present) break;
        assert.ok(Date.now() < deadline, 'the slow reader was never disconnected');
        await sleep(50);
      }
      sock.destroy();
      await closed;
      assert.equal(await admin.text('PING'), '+PONG');
    } finally {
      await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 256mb 64mb 60');
      await admin.call('DEL', 'big');
    }
  });

  test('timeout closes idle clients, but not one that keeps talking', async () => {
    assert.equal(await admin.text('CONFIG', 'SET', 'timeout', '1'), '+OK');
    try {
      const idle = await RawClient.connect(floe.port);
      const busy = await RawClient.connect(floe.port);
      assert.equal(await idle.text('PING'), '+PONG');
      const deadline = Date.now() + CLOSE_DEADLINE_MS;
      while (!idle.isClosed) {
        assert.equal(await busy.text('PING'), '+PONG');
        assert.equal(await admin.text('PING'), '+PONG'); // the suite's admin connection too
        assert.ok(Date.now() < deadline, 'the idle client was never closed');
        await sleep(100);
      }
      assert.equal(await busy.text('PING'), '+PONG');
      busy.close();
    } finally {
      await admin.call('CONFIG', 'SET', 'timeout', '0');
    }
  });

  test('a client that reads keeps its connection through large replies', async () => {
    assert.equal(await admin.text('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 1mb 512kb 1'), '+OK');
    try {
      await admin.call('SET', 'mid', 'x'.repeat(100 * 1024));
      const c = await RawClient.connect(floe.port);
      for (let round = 0; round < 5; round++) {
        c.write(Buffer.concat(Array.from({ length: 8 }, () => encodeCommand(['GET', 'mid'])))); // 800 KiB per round
        for (let i = 0; i < 8; i++) {
          const r = await c.read();
          assert.ok(r.type === 'bulk' && r.value?.length === 100 * 1024);
        }
      }
      assert.equal(await c.text('PING'), '+PONG');
      assert.equal(c.isClosed, false);
      c.close();
    } finally {
      await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 256mb 64mb 60');
      await admin.call('DEL', 'mid');
    }
  });
});

describe('limits before AUTH', () => {
  let floe: FloeProcess;
  before(async () => {
    floe = await startFloe(['--requirepass', 'pw']);
  });
  after(async () => {
    await floe?.stop();
  });

  test('at most 10 elements and 16 KiB bulks until the client authenticates', async () => {
    const cases: [Buffer, string][] = [
      [encodeCommand(['AUTH', ...Array.from({ length: 10 }, () => 'x')]), '-ERR Protocol error: unauthenticated multibulk length'],
      [encodeCommand(['AUTH', 'y'.repeat(16 * 1024 + 1)]), '-ERR Protocol error: unauthenticated bulk length'],
    ];
    for (const [frame, error] of cases) {
      const c = await RawClient.connect(floe.port);
      c.write(frame);
      assert.equal(show(await c.read()), error);
      await c.waitClosed();
    }
    const ok = await RawClient.connect(floe.port);
    try {
      assert.equal(await ok.text('AUTH', ...Array.from({ length: 9 }, () => 'x')), '-ERR syntax error'); // 10 elements: parsed
      assert.equal(await ok.text('AUTH', 'y'.repeat(16 * 1024)), '-WRONGPASS invalid username-password pair or user is disabled.');
      assert.equal(await ok.text('AUTH', 'pw'), '+OK');
      assert.equal(await ok.text('MSET', ...Array.from({ length: 40 }, (_, i) => `k${i}`)), '+OK');
      assert.equal(await ok.text('SET', 'big', 'z'.repeat(64 * 1024)), '+OK');
    } finally {
      ok.close();
    }
  });
});

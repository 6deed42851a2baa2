// Coordinated-omission correction of the open-loop generator, against a tiny RESP server
// that stalls once: the corrected histogram must charge the stall to every request that
// was due during it, the uncorrected one only to the request that was on the wire.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { openLoop } from '../bench/lib/loadgen.ts';

const stallMs = 200;
const ratePerSec = 1_000;
const durationMs = 1_500;

function stallingServer(stallAfterRequests: number): Promise<net.Server> {
  let seen = 0;
  let stalledUntil = 0;
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    let queue = Promise.resolve();
    sock.on('data', (chunk: Buffer) => {
      // Each request is one "*1\r\n$4\r\nPING\r\n" frame; count them by their leading '*'.
      const n = chunk.toString('latin1').split('*').length - 1;
      for (let i = 0; i < n; i++) {
        seen++;
        const stallNow = seen === stallAfterRequests;
        queue = queue.then(async () => {
          if (stallNow) {
            stalledUntil = Date.now() + stallMs;
            await new Promise((r) => setTimeout(r, stallMs));
          } else if (Date.now() < stalledUntil) {
            await new Promise((r) => setTimeout(r, stalledUntil - Date.now()));
          }
          if (!sock.destroyed) sock.write('+PONG\r\n');
        });
      }
    });
    sock.on('error', () => {});
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

test('open loop: a 200 ms stall shows in many corrected latencies and one uncorrected', async () => {
  const server = await stallingServer(300);
  try {
    const addr = server.address();
    assert.ok(typeof addr === 'object' && addr !== null);
    const ping = Buffer.from('*1\r\n$4\r\nPING\r\n');
    const r = await openLoop({
      host: '127.0.0.1',
      port: addr.port,
      connections: 1,
      ratePerSec,
      durationMs,
      next: () => ({ bytes: ping, kind: 'write' }),
    });
    assert.equal(r.errors, 0);
    assert.equal(r.completed, r.intended);
    assert.ok(r.completed >= ratePerSec, `completed ${r.completed}`);
    // About stallMs * rate = 200 requests were due during the stall; half of them waited
    // at least stallMs / 2 counted from their intended time.
    const correctedSlow = r.correctedHistogram.countAtOrAbove((stallMs / 2) * 1000);
    const uncorrectedSlow = r.uncorrectedHistogram.countAtOrAbove((stallMs / 2) * 1000);
    assert.ok(correctedSlow >= 50, `corrected requests >= 100 ms: ${correctedSlow}`);
    // Only the request on the wire saw the stall from its actual send time (a scheduler
    // hiccup on a shared machine may add one more).
    assert.ok(uncorrectedSlow >= 1 && uncorrectedSlow <= 3, `uncorrected requests >= 100 ms: ${uncorrectedSlow}`);
    assert.ok(r.corrected.maxMs >= stallMs * 0.9);
    assert.ok(r.uncorrected.maxMs >= stallMs * 0.9);
    assert.ok(r.corrected.p99Ms > r.uncorrected.p99Ms);
  } finally {
    await new Promise((r) => server.close(r));
  }
});

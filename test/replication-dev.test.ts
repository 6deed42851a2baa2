// `floe dev --nodes 3`: one command starts a local replicated cluster, prints its endpoints,
// serves reads and writes on every node, and Ctrl-C (SIGINT) stops every node cleanly.

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually, info, MAIN, query } from './helpers/cluster.ts';

const BUS_OFFSET = 10000;

async function isFree(port: number): Promise<boolean> {
  const srv = createServer();
  return new Promise((resolve) => {
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A base port whose next 3 client ports and their bus ports are free. */
async function freeBase(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 9000);
    const ports = [0, 1, 2].flatMap((i) => [base + i, base + i + BUS_OFFSET]);
    if ((await Promise.all(ports.map(isFree))).every(Boolean)) return base;
  }
  throw new Error('no free base port');
}

let dev: ChildProcess | null = null;
let out = '';
const dir = mkdtempSync(join(tmpdir(), 'floe-dev-'));
after(async () => {
  // After a failure: ask floe dev to stop its nodes; if it does not, kill it and the nodes
  // (by the pids they printed), which a SIGKILLed floe dev would leave running.
  if (dev !== null && dev.exitCode === null && dev.signalCode === null) {
    const exited = new Promise<void>((r) => dev?.once('exit', () => r()));
    dev.kill('SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    dev.kill('SIGKILL');
    for (const m of out.matchAll(/\[(n\d)\] Floe \S+ ready on \S+ \(pid (\d+)\)/g)) {
      if (out.includes(`[${m[1] ?? ''}] exited`)) continue;
      try {
        process.kill(Number(m[2]), 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

test('floe dev starts 3 nodes that replicate, and SIGINT stops them all', async (t) => {
  const base = await freeBase();
  const proc = spawn(process.execPath, [MAIN, 'dev', '--nodes', '3', '--base-port', String(base), '--dir', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  dev = proc;
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  await eventually('the endpoints', 20_000, async () => (out.includes('Ctrl-C stops every node') ? true : undefined));
  for (let i = 0; i < 3; i++) assert.ok(out.includes(`n${i + 1}: redis-cli -p ${base + i}`), out);
  // Polled from the first moment the ports listen: commands that arrive while a node still
  // loads must get -LOADING (or an answer), never crash it.
  const early: string[] = [];
  await eventually('a leader', 30_000, async () => {
    for (let i = 0; i < 3; i++) {
      for (const cmd of [['CLUSTER', 'NODES'], ['GET', 'dev:x'], ['WAIT', '1', '10']]) {
        const r = await query(base + i, cmd);
        if (typeof r === 'object' && r !== null && 'error' in r) early.push(r.error.split(' ')[0] ?? '');
      }
    }
    const roles = await Promise.all([0, 1, 2].map(async (i) => (await info(base + i, 'raft')).get('raft_role')));
    return roles.filter((r) => r === 'leader').length === 1 ? true : undefined;
  }).catch((e: unknown) => {
    throw new Error(`${String(e)}\n${out}`);
  });
  const counts = new Map<string, number>();
  for (const e of early) counts.set(e, (counts.get(e) ?? 0) + 1);
  t.diagnostic(`errors while starting (Error: = not listening yet): ${JSON.stringify([...counts])}`);
  assert.ok(!/exited/.test(out), `a node died while starting:\n${out}`);
  assert.ok(early.every((e) => ['LOADING', 'CLUSTERDOWN', 'TRYAGAIN', 'Error:'].includes(e)), `unexpected early errors: ${early.join(',')}`);
  const clients = [0, 1, 2].map((i) => new Redis({ port: base + i, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null }));
  try {
    for (const [i, c] of clients.entries()) assert.equal(await c.set(`dev:${i}`, String(i)), 'OK');
    for (const c of clients) assert.deepEqual(await c.mget('dev:0', 'dev:1', 'dev:2'), ['0', '1', '2']);
  } finally {
    for (const c of clients) c.disconnect();
  }
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  proc.kill('SIGINT');
  assert.equal(await exited, 0, out);
  for (let i = 0; i < 3; i++) assert.match(out, new RegExp(`\\[n${i + 1}\\] exited`));
  for (let i = 0; i < 3; i++) assert.ok(await isFree(base + i), `port ${base + i} still in use after floe dev stopped`);
});

// Starts a real redis-server (Debian's /usr/bin/redis-server) on a free port for tests that use
// Redis as the oracle, memory-only, and stops it even when a test fails.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { after, before } from 'node:test';
import { freePort, startFloe, type FloeProcess } from './server.ts';
import { RawClient } from './resp.ts';

const READY_TIMEOUT_MS = 10_000;

export interface RedisProcess {
  port: number;
  proc: ChildProcess;
  stop: () => Promise<void>;
}

/** The redis-server binary, or null when it is not installed (tests skip with a message). */
export function redisServerPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path !== '' ? path : null;
}

/** The redis-cli binary, or null. */
export function redisCliPath(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' });
  const path = r.stdout.trim();
  return r.status === 0 && path !== '' ? path : null;
}

export async function startRedis(extra: string[] = []): Promise<RedisProcess> {
  const bin = redisServerPath();
  if (bin === null) throw new Error('redis-server is not installed');
  const port = await freePort();
  const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGKILL');
    await once(proc, 'exit');
  };
  process.on('exit', () => proc.kill('SIGKILL'));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (true) {
    if (proc.exitCode !== null) throw new Error(`redis-server exited early: ${out}`);
    try {
      const c = await RawClient.connect(port);
      c.close();
      return { port, proc, stop };
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`redis-server did not start: ${out}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** The skip reason of a differential suite: set when redis-server is not installed. */
export function differentialSkip(): string | false {
  return redisServerPath() === null ? 'redis-server is not installed (apt-get install redis-server); differential test skipped' : false;
}

/**
 * A Floe and a redis-server for the enclosing describe block, started before its tests and
 * stopped after them; read `.floe` and `.redis` inside the tests.
 */
export function floeAndRedis(): { floe: FloeProcess; redis: RedisProcess } {
  const both = {} as { floe: FloeProcess; redis: RedisProcess };
  before(async () => {
    [both.floe, both.redis] = await Promise.all([startFloe(), startRedis()]);
  });
  after(async () => {
    await Promise.all([both.floe?.stop(), both.redis?.stop()]);
  });
  return both;
}

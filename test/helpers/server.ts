// Starts real `floe server` processes on free loopback ports for whole-process tests and
// makes sure they are stopped, even when a test fails.

import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MAIN = join(ROOT, 'src', 'cli', 'main.ts');
const READY_TIMEOUT_MS = 15_000;

/** A port that was free a moment ago on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const srv = createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const addr = srv.address();
  const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface FloeProcess {
  port: number;
  proc: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

/** Runs `floe <args>` with process.execPath (the pinned Node) and collects its output. */
export function spawnFloe(args: string[], env: NodeJS.ProcessEnv = {}): { proc: ChildProcess; output: () => string } {
  const proc = spawn(process.execPath, [MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.on('exit', () => running.delete(proc));
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return { proc, output: () => out };
}

/** Starts `floe server --port <free> [extra]` and resolves once it accepts connections. */
export async function startFloe(extra: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<FloeProcess> {
  const port = await freePort();
  const { proc, output } = spawnFloe(['server', '--port', String(port), ...extra], env);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (!output().includes('ready on')) {
    if (proc.exitCode !== null) throw new Error(`floe server exited early (${proc.exitCode}): ${output()}`);
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`floe server did not start: ${output()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const stop = async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    await once(proc, 'exit');
    clearTimeout(timer);
  };
  return { port, proc, output, stop };
}

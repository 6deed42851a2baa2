// Child processes of the benchmark: finding binaries, free loopback ports, starting servers
// with their output in a log file, and stopping them for sure — every child is tracked so a
// crash or Ctrl-C of the harness does not leave servers behind.

import { spawn, execFile, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const stopTimeoutMs = 10_000;
const execTimeoutMs = 15 * 60_000; // the longest single load-tool run we allow
const execOutputBytesMax = 64 * 1024 * 1024;
const logTailBytes = 2_000;

const live = new Set<ChildProcess>();

process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

export function which(bin: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const p = path.join(dir, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** A loopback port nobody listens on right now (and, if asked, port + offset too). */
export async function freePort(alsoFreeOffset = 0): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await listenZero();
    if (alsoFreeOffset === 0) return port;
    if (port + alsoFreeOffset < 65_536 && (await isFree(port + alsoFreeOffset))) return port;
  }
  throw new Error('no free loopback port found');
}

/** `count` loopback ports, all distinct and free right now. */
export async function distinctFreePorts(count: number): Promise<number[]> {
  const out = new Set<number>();
  for (let attempt = 0; out.size < count; attempt++) {
    if (attempt >= count * 10) throw new Error(`no ${count} distinct free loopback ports found`);
    out.add(await freePort());
  }
  return [...out];
}

function listenZero(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

export type Started = { child: ChildProcess; logFile: string };

export function startLogged(cmd: string, args: string[], opts: { cwd: string; logFile: string }): Started {
  const fd = fs.openSync(opts.logFile, 'a');
  const child = spawn(cmd, args, { cwd: opts.cwd, stdio: ['ignore', fd, fd] });
  fs.closeSync(fd);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return { child, logFile: opts.logFile };
}

export function logTail(file: string): string {
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.slice(-logTailBytes).trim();
  } catch {
    return '';
  }
}

export function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', timeoutMs = stopTimeoutMs): Promise<void> {
  if (exited(child)) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  await done;
  clearTimeout(timer);
}

export type ExecResult = { code: number; stdout: string; stderr: string };

export function run(cmd: string, args: string[], opts: { cwd?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(
      cmd,
      args,
      { cwd: opts.cwd, timeout: opts.timeoutMs ?? execTimeoutMs, maxBuffer: execOutputBytesMax },
      (err, stdout, stderr) => {
        live.delete(child);
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        // A timeout or a signal leaves no exit code; say which in stderr.
        const why = err !== null && typeof err.code !== 'number' ? `\n${err.message}` : '';
        resolve({ code, stdout: String(stdout), stderr: String(stderr) + why });
      },
    );
    live.add(child);
  });
}

export async function waitUntil(what: string, timeoutMs: number, probe: () => Promise<boolean>, abort?: () => string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const why = abort?.();
    if (why !== undefined) throw new Error(`${what}: ${why}`);
    if (await probe().catch(() => false)) return;
    await sleep(50);
  }
  throw new Error(`${what}: not ready after ${timeoutMs} ms`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resident set size of a process from /proc, in bytes (Linux); NaN elsewhere. */
export function rssBytes(pid: number): number {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m?.[1] === undefined ? Number.NaN : Number(m[1]) * 1024;
  } catch {
    return Number.NaN;
  }
}

/** Exit codes and log tails of a system's processes, for a report on why it died. */
export function diagnoseAll(started: readonly Started[]): string {
  return started
    .map((s) => `pid ${String(s.child.pid)} ${exited(s.child) ? `exited (code ${String(s.child.exitCode)}, signal ${String(s.child.signalCode)})` : 'running'}; log: ${logTail(s.logFile)}`)
    .join(' | ');
}

// `floe dev --nodes 3 [--base-port 7000] [--dir ./floe-data] [--fsync always]`: a local
// cluster in one command. Starts one `floe server` child per node, prints the endpoints,
// prefixes each child's log lines with its name, and stops them all on Ctrl-C.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const NODES_MAX = 9; // a local cluster larger than this is a typo
const STOP_GRACE_MS = 5000; // children get this long after SIGTERM before SIGKILL

interface DevOptions {
  nodes: number;
  basePort: number;
  dir: string;
  fsync: string;
  extra: string[];
}

function parse(argv: string[]): DevOptions {
  const o: DevOptions = { nodes: 3, basePort: 7000, dir: './floe-data', fsync: 'always', extra: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const v = argv[i + 1];
    if (a === '--nodes' || a === '--base-port' || a === '--dir' || a === '--fsync') {
      if (v === undefined) throw new Error(`${a} needs a value`);
      i++;
      if (a === '--nodes') o.nodes = Number(v);
      else if (a === '--base-port') o.basePort = Number(v);
      else if (a === '--dir') o.dir = v;
      else o.fsync = v;
    } else o.extra.push(a);
  }
  if (!Number.isInteger(o.nodes) || o.nodes < 1 || o.nodes > NODES_MAX) throw new Error(`--nodes must be 1..${NODES_MAX}`);
  if (!Number.isInteger(o.basePort) || o.basePort < 1 || o.basePort + o.nodes > 55535) throw new Error('--base-port out of range');
  return o;
}

export async function run(argv: string[]): Promise<number> {
  let o: DevOptions;
  try {
    o = parse(argv);
  } catch (e) {
    process.stderr.write(`floe dev: ${(e as Error).message}\n`);
    return 1;
  }
  // dist/ holds main.js, the sources main.ts: run whichever this module was loaded from.
  const main = fileURLToPath(new URL(import.meta.url.endsWith('.js') ? './main.js' : './main.ts', import.meta.url));
  const names = Array.from({ length: o.nodes }, (_, i) => `n${i + 1}`);
  const peers = names.map((n, i) => `${n}=127.0.0.1:${o.basePort + i}`).join(',');
  const children: ChildProcess[] = [];
  names.forEach((name, i) => {
    const dir = resolve(join(o.dir, name));
    mkdirSync(dir, { recursive: true });
    const args = [main, 'server', '--id', name, '--port', String(o.basePort + i), '--peers', peers, '--dir', dir, '--fsync', o.fsync, ...o.extra];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const prefix = (chunk: Buffer) => chunk.toString().split('\n').filter((l) => l !== '').map((l) => `[${name}] ${l}\n`).join('');
    child.stdout?.on('data', (d: Buffer) => process.stdout.write(prefix(d)));
    child.stderr?.on('data', (d: Buffer) => process.stderr.write(prefix(d)));
    child.on('exit', (code, signal) => process.stdout.write(`[${name}] exited (${signal ?? code})\n`));
    children.push(child);
  });
  process.stdout.write(`Floe dev cluster: ${o.nodes} node(s), data in ${resolve(o.dir)}\n`);
  names.forEach((n, i) => process.stdout.write(`  ${n}: redis-cli -p ${o.basePort + i}\n`));
  process.stdout.write('Ctrl-C stops every node.\n');
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
    let exited = 0;
    for (const c of children) c.once('exit', () => (++exited === children.length ? done() : undefined));
  });
  await Promise.all(children.map((c) => stopChild(c)));
  return 0;
}

function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const timer = setTimeout(() => c.kill('SIGKILL'), STOP_GRACE_MS);
    c.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    c.kill('SIGTERM');
  });
}

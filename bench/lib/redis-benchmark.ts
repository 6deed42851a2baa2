// Runs Debian's redis-benchmark (a C client, so the load tool does not compete with a Node
// server for the event loop the way a Node generator would) and parses its --csv output.

import { run, which } from './proc.ts';

export type RbRow = { test: string; rps: number; avgMs: number; minMs: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };

export type RbOptions = {
  host: string;
  port: number;
  /** A built-in test name (get, set, incr, lpush, hset, zadd, ...). */
  test: string;
  clients: number;
  pipeline: number;
  requests: number;
  /** -r: keys are drawn from [0, keyspace). */
  keyspace: number;
  dataBytes?: number;
};

export type RbOutcome = { ok: true; row: RbRow } | { ok: false; error: string };

export function redisBenchmarkInstalled(): boolean {
  return which('redis-benchmark') !== undefined;
}

export async function redisBenchmarkVersion(): Promise<string> {
  const out = await run('redis-benchmark', ['--version']);
  return out.stdout.trim() || 'redis-benchmark (unknown version)';
}

export async function redisBenchmark(o: RbOptions): Promise<RbOutcome> {
  const args = ['-h', o.host, '-p', String(o.port), '-c', String(o.clients), '-n', String(o.requests), '-P', String(o.pipeline)];
  args.push('-r', String(o.keyspace), '-t', o.test, '--csv');
  if (o.dataBytes !== undefined) args.push('-d', String(o.dataBytes));
  const out = await run('redis-benchmark', args);
  const serverError = /Error from server: (.*)/.exec(out.stdout + '\n' + out.stderr);
  if (serverError !== null) return { ok: false, error: serverError[1] ?? 'error from server' };
  if (out.code !== 0) {
    // redis-benchmark reports connection trouble on stdout as often as on stderr.
    const detail = `${out.stderr.trim()} ${out.stdout.replace(/^"test".*$/m, '').trim()}`.trim().slice(-300);
    return { ok: false, error: `redis-benchmark exited with ${out.code}${detail === '' ? '' : `: ${detail}`}` };
  }
  const row = rowFor(parseRedisBenchmarkCsv(out.stdout), o.test);
  if (row === undefined || !(row.rps > 0)) return { ok: false, error: `no ${o.test.toUpperCase()} result in redis-benchmark output: ${out.stdout.slice(0, 300)}` };
  return { ok: true, row };
}

/**
 * The row that measures `test`. One test can print several rows: `-t lrange_100` first runs
 * "LPUSH (needed to benchmark LRANGE)" to fill the list and then "LRANGE_100 (first 100
 * elements)"; the fill is not the measurement. A row matches when its first word is the test's
 * name in capitals.
 */
export function rowFor(rows: readonly RbRow[], test: string): RbRow | undefined {
  const name = test.toUpperCase();
  return rows.find((r) => r.test.split(' ')[0] === name && !/needed to benchmark/i.test(r.test));
}

/** Parses `redis-benchmark --csv` (7.x: test, rps, avg, min, p50, p95, p99, max latency in ms). */
export function parseRedisBenchmarkCsv(text: string): RbRow[] {
  const rows: RbRow[] = [];
  for (const line of text.split(/\r?\n/)) {
    const cells = [...line.matchAll(/"([^"]*)"/g)].map((m) => m[1] ?? '');
    if (cells.length < 8 || cells[0] === 'test') continue;
    const n = cells.slice(1).map(Number);
    if (n.some((v) => !Number.isFinite(v))) continue;
    const [rps = 0, avgMs = 0, minMs = 0, p50Ms = 0, p95Ms = 0, p99Ms = 0, maxMs = 0] = n;
    rows.push({ test: cells[0] ?? '', rps, avgMs, minMs, p50Ms, p95Ms, p99Ms, maxMs });
  }
  return rows;
}

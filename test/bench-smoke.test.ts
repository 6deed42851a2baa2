// `floe bench --quick` as a whole process: it must run whatever is installed, report the
// rest as skipped or not available with a reason, and write JSON whose figures are numbers
// greater than zero for every system that ran.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ScenarioResult } from '../bench/lib/types.ts';

const repo = path.resolve(import.meta.dirname, '..');
const runTimeoutMs = 150_000;

function runQuick(outDir: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const args = [path.join(repo, 'src/cli/main.ts'), 'bench', '--quick', '--out', outDir, ...extra];
    const child = spawn(process.execPath, args, { cwd: repo, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // SIGTERM lets the bench kill its servers on the way out.
    const timer = setTimeout(() => child.kill('SIGTERM'), runTimeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

test('floe bench --quick writes a report and positive figures for every system that ran', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-bench-smoke-'));
  try {
    const r = await runQuick(out);
    assert.equal(r.code, 0, `exit ${String(r.code)}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr.slice(-3000)}`);
    const files = fs.readdirSync(out);
    assert.ok(files.some((f) => f.endsWith('-report.md')), `no report in ${files.join(', ')}`);
    const results = files.filter((f) => f.endsWith('.json')).map((f) => JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')) as ScenarioResult);
    assert.deepEqual(results.map((x) => x.scenario).sort(), ['commands', 'durable', 'eviction', 'failover', 'memory', 'mixed']);
    for (const res of results) checkScenario(res);
    checkFloe3(results);
    checkCommands(results);
    for (const svg of files.filter((f) => f.endsWith('.svg'))) assert.match(fs.readFileSync(path.join(out, svg), 'utf8'), /^<svg[\s\S]*<\/svg>\n$/);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
});

function checkScenario(res: ScenarioResult): void {
  assert.ok(res.machine.cores > 0 && res.machine.node.startsWith('v'));
  for (const s of res.systems) {
    if (s.status === 'skipped') assert.ok(s.reason !== undefined && (s.install?.startsWith('apt-get install -y ') ?? s.reason.length > 0), `${res.scenario}/${s.id}`);
    if (s.status === 'unavailable' || s.status === 'failed') assert.ok((s.reason ?? '').length > 0);
    if (s.status !== 'ran') continue;
    assert.ok(s.version !== undefined, `${res.scenario}/${s.id} has no version`);
    // Series are labelled by the system (eviction adds the policy after the label).
    const values = res.comparisons.flatMap((c) => Object.entries(c.values).filter(([series]) => series.startsWith(s.label)).flatMap(([, v]) => v));
    const numbers = values.filter((v): v is number => typeof v === 'number');
    assert.ok(numbers.length > 0, `${res.scenario}/${s.id}: no figures`);
    assert.ok(numbers.some((v) => v > 0), `${res.scenario}/${s.id}: no figure > 0`);
    assert.ok(numbers.every((v) => Number.isFinite(v) && v >= 0), `${res.scenario}/${s.id}: ${JSON.stringify(numbers)}`);
  }
  // 3-node Floe is checked and started like single-node Floe: where one is available, so is the other.
  const floe = res.systems.find((s) => s.id === 'floe');
  const floe3 = res.systems.find((s) => s.id === 'floe-3');
  if (floe?.version !== undefined && floe3 !== undefined) assert.notEqual(floe3.status, 'unavailable', floe3.reason);
}

/** Where 3-node Floe ran: durable SETs and GETs through its leader, and a failover time, all > 0. */
function checkFloe3(results: readonly ScenarioResult[]): void {
  const values = (scenario: string, name: string): number[] => {
    const res = results.find((r) => r.scenario === scenario);
    const label = res?.systems.find((s) => s.id === 'floe-3')?.label ?? '';
    return (res?.comparisons.find((c) => c.name === name)?.values[label] ?? []).filter((v): v is number => typeof v === 'number');
  };
  const ran = (scenario: string): boolean => results.find((r) => r.scenario === scenario)?.systems.find((s) => s.id === 'floe-3')?.status === 'ran';
  if (ran('durable')) {
    assert.ok(values('durable', 'writes/s').some((v) => v > 0), 'floe-3: no durable SET throughput');
    assert.ok(values('durable', 'GET req/s').some((v) => v > 0), 'floe-3: no GET throughput through the leader');
  }
  if (ran('failover')) assert.ok(values('failover', 'failover').some((v) => v > 0), 'floe-3: no failover time');
}

/** Where Floe and Redis both ran the commands: issue 2's and 3's target lines, and LRANGE_100 measured. */
function checkCommands(results: readonly ScenarioResult[]): void {
  const res = results.find((r) => r.scenario === 'commands');
  if (res === undefined || !['floe', 'redis'].every((id) => res.systems.find((s) => s.id === id)?.status === 'ran')) return;
  const targets = res.notes.filter((n) => n.startsWith('Target (issue '));
  assert.equal(targets.filter((n) => n.startsWith('Target (issue 2)')).length, 3, targets.join('\n'));
  assert.equal(targets.filter((n) => n.startsWith('Target (issue 3)')).length, 1, targets.join('\n'));
  const lrange = res.comparisons.find((c) => c.name === 'LRANGE_100' && c.unit === 'req/s');
  for (const s of res.systems) assert.ok((lrange?.values[s.label] ?? []).some((v) => typeof v === 'number' && v > 0), `${s.label}: no LRANGE_100 figure`);
  assert.ok((res.readmeGroups ?? []).length === 3, 'the README shows three commands tables');
}

test('a system whose binary is missing is reported as skipped with its apt-get line', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-bench-smoke-'));
  // A PATH with git only: no redis-server, so Redis must be skipped, while Floe still runs.
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-bench-path-'));
  try {
    for (const tool of ['git']) {
      const p = (process.env['PATH'] ?? '').split(path.delimiter).map((d) => path.join(d, tool)).find((f) => fs.existsSync(f));
      if (p !== undefined) fs.symlinkSync(p, path.join(bin, tool));
    }
    const r = await runQuick(out, ['--scenario', 'memory', '--rounds', '1'], { ...process.env, PATH: bin });
    assert.equal(r.code, 0, r.stderr.slice(-2000));
    assert.match(r.stdout, /apt-get install -y redis-server/);
    const json = fs.readdirSync(out).find((f) => f.endsWith('-memory.json'));
    assert.ok(json !== undefined);
    const res = JSON.parse(fs.readFileSync(path.join(out, json), 'utf8')) as ScenarioResult;
    const redis = res.systems.find((s) => s.id === 'redis');
    assert.equal(redis?.status, 'skipped');
    assert.equal(redis?.install, 'apt-get install -y redis-server');
    checkScenario(res);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
    fs.rmSync(bin, { recursive: true, force: true });
  }
});

// Rendering of benchmark results: SVG bar charts, Markdown tables with medians and A/B
// ratios, and the README section that only ever changes between its markers.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { barChartSvg, formatValue } from '../bench/lib/svg.ts';
import { comparisonTable, renderReport, writeResults } from '../bench/lib/report.ts';
import { markerEnd, markerStart, renderReadmeSection, updateReadme } from '../bench/lib/readme.ts';
import { comparison, pairsOf, push, summarize, chartOf } from '../bench/lib/scenario.ts';
import type { ScenarioResult } from '../bench/lib/types.ts';

function sample(): ScenarioResult {
  const get = comparison('Throughput (req/s)', 'GET', 'req/s', 'higher');
  const lpush = comparison('Throughput (req/s)', 'LPUSH', 'req/s', 'higher');
  [100, 110, 90].forEach((v, r) => push(get, 'Floe', r, v));
  [200, 200, 200].forEach((v, r) => push(get, 'Redis', r, v));
  [300, 300, 300].forEach((v, r) => push(lpush, 'Redis', r, v));
  lpush.unsupported['Floe'] = 'LPUSH not supported by Floe yet';
  const rows = [summarize(get), summarize(lpush)];
  return {
    scenario: 'commands',
    title: 'Single <commands>',
    startedAt: '2025-01-01T00:00:00.000Z',
    durationSec: 12,
    quick: false,
    machine: { cpuModel: 'Test CPU', cores: 2, memoryBytes: 2 ** 33, node: 'v24.0.0', os: 'Linux' },
    tools: { rb: 'redis-benchmark 7' },
    params: { clients: 50 },
    systems: [
      { id: 'floe', label: 'Floe', status: 'ran', version: 'floe 0.1.0' },
      { id: 'etcd-3', label: 'etcd 3-node', status: 'skipped', reason: 'etcd not found in PATH', install: 'apt-get install -y etcd-server' },
    ],
    comparisons: rows,
    charts: [chartOf('throughput', 'Throughput & <latency>', rows)],
    notes: ['a note'],
  };
}

test('summarize: medians per series and first-series ratios per round', () => {
  const r = sample().comparisons[0];
  assert.deepEqual(r?.medians, { Floe: 100, Redis: 200 });
  assert.deepEqual(r?.ratios?.[0]?.perRound, [0.5, 0.55, 0.45]);
  assert.equal(r?.ratios?.[0]?.median, 0.5);
});

test('summarize with pairsOf: Floe stays the A side even when Redis recorded first', () => {
  const labels: Record<string, string> = { floe: 'Floe', redis: 'Redis' };
  const ctx = { label: (id: string) => labels[id] ?? id };
  const c = comparison('Throughput', 'SET', 'req/s', 'higher');
  push(c, 'Redis', 0, 200); // Floe's first round failed: Redis is the first series
  push(c, 'Redis', 1, 200);
  push(c, 'Floe', 1, 150);
  const unpaired = summarize(structuredClone(c));
  assert.equal(unpaired.ratios?.[0]?.a, 'Redis', 'without pairs the first series to record is A');
  const paired = summarize(c, pairsOf(ctx, 'floe', ['redis']));
  assert.equal(paired.ratios?.length, 1);
  assert.equal(paired.ratios?.[0]?.a, 'Floe');
  assert.equal(paired.ratios?.[0]?.b, 'Redis');
  assert.equal(paired.ratios?.[0]?.median, 0.75);
});

test('markdown table: medians, ratio with range, n/a with its reason', () => {
  const lines = comparisonTable('Throughput (req/s)', sample().comparisons).join('\n');
  assert.match(lines, /\| \| Floe \| Redis \| Floe \/ Redis \|/);
  assert.match(lines, /\| GET \| 100 \| 200 \| 0\.50× \(0\.45–0\.55\) \|/);
  assert.match(lines, /\| LPUSH \| n\/a \| 300 \| — \|/);
  assert.match(lines, /n\/a — Floe: LPUSH not supported by Floe yet/);
});

test('report: machine, systems with install line, charts linked, notes', () => {
  const md = renderReport('2025-01-01-000000', [sample()], '');
  assert.match(md, /Test CPU, 2 cores, 8\.0 GiB/);
  assert.match(md, /`apt-get install -y etcd-server`/);
  assert.match(md, /!\[Throughput & <latency>\]\(2025-01-01-000000-commands-throughput\.svg\)/);
  assert.match(md, /> a note/);
});

test('svg: one bar per series per group, escaped text, values printed, log axis ordered', () => {
  const chart = sample().charts[0];
  assert.ok(chart !== undefined);
  const svg = barChartSvg(chart);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, /Throughput &amp; &lt;latency&gt;/);
  assert.ok(!svg.includes('<latency>'));
  const bars = [...svg.matchAll(/<rect x="150" y="\d+" width="([\d.]+)" height="14"/g)].map((m) => Number(m[1]));
  assert.equal(bars.length, 4); // GET: Floe, Redis; LPUSH: Redis, and Floe's empty slot
  assert.ok((bars[1] ?? 0) > (bars[0] ?? 0), 'Redis GET (200) is longer than Floe GET (100)');
  assert.ok(bars.includes(0), 'the unsupported LPUSH on Floe is an empty bar');
  assert.match(svg, />n\/a</);
  assert.match(svg, /200 req\/s/);
  const log = barChartSvg({ id: 'l', title: 'lat', unit: 'ms', log: true, groups: [{ label: 'p', bars: [{ series: 'a', value: 0.1 }, { series: 'b', value: 10 }, { series: 'c', value: 1000 }] }] });
  const w = [...log.matchAll(/<rect x="150" y="\d+" width="([\d.]+)" height="14"/g)].map((m) => Number(m[1]));
  assert.ok((w[0] ?? 0) > 0 && (w[0] ?? 0) < (w[1] ?? 0) && (w[1] ?? 0) < (w[2] ?? 0), `log widths ${w.join(',')}`);
  // Equal steps in log space give equal steps in width.
  assert.ok(Math.abs(((w[2] ?? 0) - (w[1] ?? 0)) - ((w[1] ?? 0) - (w[0] ?? 0))) < 1);
});

test('formatValue keeps figures short', () => {
  assert.equal(formatValue(0, ''), '0');
  assert.equal(formatValue(1_234_567, 'req/s'), '1.23M req/s');
  assert.equal(formatValue(82_200, ''), '82.2k');
  assert.equal(formatValue(0.0123, 'ms'), '0.012 ms');
  assert.equal(formatValue(Number.NaN, 'ms'), '—');
});

test('README: only the text between the markers changes; no markers, no write', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'floe-bench-readme-'));
  const out = path.join(dir, 'bench', 'results');
  const readme = path.join(dir, 'README.md');
  try {
    writeResults(out, '2025-01-01-000000', [sample()]);
    const before = `# Floe\n\nintro\n\n## Performance\n${markerStart}\nold text\n${markerEnd}\n\n## After\nkept\n`;
    fs.writeFileSync(readme, before);
    assert.equal(updateReadme(readme, out), 0);
    const after = fs.readFileSync(readme, 'utf8');
    assert.ok(after.startsWith(`# Floe\n\nintro\n\n## Performance\n${markerStart}\n`));
    assert.ok(after.endsWith(`${markerEnd}\n\n## After\nkept\n`));
    assert.ok(!after.includes('old text'));
    assert.match(after, /\| GET \| 100 \| 200 \|/);
    assert.match(after, /bench\/results\/2025-01-01-000000-commands-throughput\.svg/);
    assert.match(after, /bench\/results\/2025-01-01-000000-report\.md/);
    // Running it again gives the same file.
    assert.equal(updateReadme(readme, out), 0);
    assert.equal(fs.readFileSync(readme, 'utf8'), after);
    const plain = '# no markers\n';
    fs.writeFileSync(readme, plain);
    assert.equal(updateReadme(readme, out), 1);
    assert.equal(fs.readFileSync(readme, 'utf8'), plain);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('README: the tables a scenario names in readmeGroups, in order, and its target lines', () => {
  const r = sample();
  const p99 = comparison('p99 latency (ms)', 'GET', 'ms', 'lower');
  const piped = comparison('Throughput, pipelined (req/s)', 'GET', 'req/s', 'higher');
  [1, 2].forEach((v, i) => push(p99, 'Floe', i, v));
  [9, 9].forEach((v, i) => push(piped, 'Floe', i, v));
  r.comparisons.push(summarize(p99), summarize(piped));
  r.notes = ['Target (issue 2): SET ≥ 0.8× Redis req/s: met; SET 0.90× (met).', 'a method note'];
  // Only the first table, without readmeGroups (results written before it existed).
  const plain = renderReadmeSection('s', [r], '');
  assert.match(plain, /\*\*Throughput \(req\/s\)\*\*/);
  assert.ok(!plain.includes('p99 latency (ms)') && !plain.includes('pipelined'));
  r.readmeGroups = ['Throughput (req/s)', 'Throughput, pipelined (req/s)', 'p99 latency (ms)', 'a group with no rows'];
  const md = renderReadmeSection('s', [r], '');
  const at = (s: string): number => md.indexOf(s);
  assert.ok(at('**Throughput (req/s)**') >= 0 && at('**Throughput (req/s)**') < at('**Throughput, pipelined (req/s)**'));
  assert.ok(at('**Throughput, pipelined (req/s)**') < at('**p99 latency (ms)**'));
  assert.ok(!md.includes('a group with no rows'));
  assert.match(md, /^- Target \(issue 2\): SET ≥ 0\.8× Redis req\/s: met; SET 0\.90× \(met\)\.$/m);
  assert.ok(!md.includes('a method note'));
});

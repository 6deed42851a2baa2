// Turns scenario results into files: one JSON per scenario with every raw figure, one SVG
// per chart, and a Markdown report with a table per comparison group (medians, and the
// median with range of the per-round A/B ratios) and the charts inline.

import fs from 'node:fs';
import path from 'node:path';
import { barChartSvg, formatValue } from './svg.ts';
import type { Comparison, ScenarioResult, SystemReport } from './types.ts';

export type Written = { json: string[]; svg: string[]; report: string };

export function chartFile(stampStr: string, scenario: string, chartId: string): string {
  return `${stampStr}-${scenario}-${chartId}.svg`;
}

export function writeResults(outDir: string, stampStr: string, results: readonly ScenarioResult[]): Written {
  fs.mkdirSync(outDir, { recursive: true });
  const written: Written = { json: [], svg: [], report: path.join(outDir, `${stampStr}-report.md`) };
  for (const r of results) {
    const json = path.join(outDir, `${stampStr}-${r.scenario}.json`);
    fs.writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
    written.json.push(json);
    for (const c of r.charts) {
      const svg = path.join(outDir, chartFile(stampStr, r.scenario, c.id));
      fs.writeFileSync(svg, barChartSvg(c));
      written.svg.push(svg);
    }
  }
  fs.writeFileSync(written.report, renderReport(stampStr, results, ''));
  return written;
}

/** The whole report; `linkPrefix` is prepended to chart file names (README lives elsewhere). */
export function renderReport(stampStr: string, results: readonly ScenarioResult[], linkPrefix: string): string {
  const first = results[0];
  const lines: string[] = [`# Floe benchmark report, ${stampStr}`, ''];
  if (first !== undefined) {
    const m = first.machine;
    lines.push(`Machine: ${m.cpuModel}, ${m.cores} cores, ${(m.memoryBytes / 2 ** 30).toFixed(1)} GiB, ${m.os}, Node ${m.node}.${first.quick ? ' **Quick run (`--quick`): smoke-test sizes, not figures to quote.**' : ''}`, '');
  }
  lines.push(...systemsTable(results), '');
  for (const r of results) lines.push(...renderScenario(stampStr, r, linkPrefix));
  return lines.join('\n');
}

function systemsTable(results: readonly ScenarioResult[]): string[] {
  const byId = new Map<string, { report: SystemReport; ran: string[]; other: string[] }>();
  for (const r of results) {
    for (const s of r.systems) {
      const e = byId.get(s.id) ?? { report: s, ran: [], other: [] };
      if (s.version !== undefined) e.report = { ...e.report, version: s.version };
      if (s.status === 'ran') e.ran.push(r.scenario);
      else e.other.push(`${r.scenario}: ${s.status}${s.reason === undefined ? '' : ` (${s.reason})`}${s.install === undefined ? '' : ` — \`${s.install}\``}`);
      byId.set(s.id, e);
    }
  }
  const lines = ['| system | version | ran in | not run |', '| --- | --- | --- | --- |'];
  for (const e of byId.values()) {
    lines.push(`| ${e.report.label} | ${e.report.version ?? '—'} | ${e.ran.join(', ') || '—'} | ${cell(e.other.join('; ') || '—')} |`);
  }
  return lines;
}

function renderScenario(stampStr: string, r: ScenarioResult, linkPrefix: string): string[] {
  const lines = [`## ${r.title}`, ''];
  if (r.description !== undefined) lines.push(r.description, '');
  const params = Object.entries(r.params).map(([k, v]) => `${k} ${String(v)}`).join(', ');
  const load = r.machine.loadAvg1m === undefined ? '' : ` Load average at start ${r.machine.loadAvg1m} on ${r.machine.cores} cores${r.machine.loadAvg1m > r.machine.cores ? ' (other work competed for the CPU; expect noise)' : ''}.`;
  lines.push(`Scenario \`${r.scenario}\`, ${r.durationSec.toFixed(0)} s.${load} ${params === '' ? '' : `Parameters: ${params}.`}`, '');
  const tools = Object.values(r.tools);
  if (tools.length > 0) lines.push(`Load tools: ${tools.join('; ')}.`, '');
  if (r.notAvailable !== undefined) lines.push(`**Not available:** ${r.notAvailable}`, '');
  for (const s of r.systems) {
    if (s.status === 'ran') continue;
    lines.push(`- ${s.label}: ${s.status}${s.reason === undefined ? '' : `, ${s.reason}`}${s.install === undefined ? '' : `. Install: \`${s.install}\``}`);
  }
  if (r.systems.some((s) => s.status !== 'ran')) lines.push('');
  const groups = new Map<string, Comparison[]>();
  for (const c of r.comparisons) groups.set(c.group, [...(groups.get(c.group) ?? []), c]);
  for (const [group, rows] of groups) lines.push(...comparisonTable(group, rows), '');
  for (const c of r.charts) lines.push(`![${c.title}](${linkPrefix}${chartFile(stampStr, r.scenario, c.id)})`, '');
  for (const n of r.notes) lines.push(`> ${n}`, '');
  return lines;
}

export function comparisonTable(group: string, rows: readonly Comparison[], explainRatios = true): string[] {
  const series = [...new Set(rows.flatMap((c) => [...Object.keys(c.values), ...Object.keys(c.unsupported)]))];
  const pairs = [...new Set(rows.flatMap((c) => (c.ratios ?? []).map((p) => `${p.a} / ${p.b}`)))];
  const lines = [`**${group}**`, '', `| | ${[...series, ...pairs].map(cell).join(' | ')} |`, `|---|${[...series, ...pairs].map(() => '---:').join('|')}|`];
  const reasons = new Map<string, string>();
  for (const c of rows) {
    const cells = series.map((s) => {
      const why = c.unsupported[s];
      if (why !== undefined && c.values[s] === undefined) {
        reasons.set(`${s}: ${why}`, '');
        return 'n/a';
      }
      return formatValue(c.medians?.[s] ?? Number.NaN, '');
    });
    const ratioCells = pairs.map((p) => {
      const r = (c.ratios ?? []).find((x) => `${x.a} / ${x.b}` === p);
      if (r === undefined || r.perRound.length === 0) return '—';
      return r.perRound.length === 1 ? `${r.median.toFixed(2)}×` : `${r.median.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)})`;
    });
    lines.push(`| ${cell(c.name)} | ${[...cells, ...ratioCells].join(' | ')} |`);
  }
  if (pairs.length > 0 && explainRatios) lines.push('', 'Ratios: median of the per-round ratios (range over rounds); each round ran the systems back to back.');
  for (const why of reasons.keys()) lines.push('', `n/a — ${why}`);
  return lines;
}

function cell(s: string): string {
  return s.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

// `floe bench`: benchmarks Floe side by side with Redis and etcd. Parses the command line
// and hands over to bench/lib/runner.ts; the scenarios live in bench/scenarios/.

import path from 'node:path';
import { parseArgs } from 'node:util';
import { runBench } from '../../bench/lib/runner.ts';
import { repoRoot } from '../../bench/lib/systems.ts';
import { scenarios, findScenario } from '../../bench/scenarios/index.ts';
import { updateReadme } from '../../bench/lib/readme.ts';
import type { Scenario } from '../../bench/lib/scenario.ts';

const usage = `usage: floe bench [options]

Runs every scenario (or the ones named) against Floe, Redis and etcd on this machine and
writes bench/results/<date>-<scenario>.json, SVG charts and <date>-report.md.

options:
  --scenario NAME    run only this scenario (repeatable, or a comma list); see --list
  --quick            a short smoke run (small sizes, 2 rounds); not figures to quote
  --rounds N         alternation rounds per comparison (default 5, quick 2)
  --out DIR          where results go (default bench/results)
  --list             list the scenarios and exit
  --update-readme    regenerate README.md's performance section from the latest results in --out
  -h, --help         this help
`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        scenario: { type: 'string', multiple: true },
        quick: { type: 'boolean' },
        rounds: { type: 'string' },
        out: { type: 'string' },
        list: { type: 'boolean' },
        'update-readme': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values;
  } catch (err) {
    process.stderr.write(`floe bench: ${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(usage);
    return 0;
  }
  if (values.list === true) {
    for (const s of scenarios) process.stdout.write(`${s.name.padEnd(14)} ${s.title}\n${' '.repeat(15)}systems: ${s.systems.join(', ')}\n`);
    return 0;
  }
  const outDir = path.resolve(values.out ?? path.join(repoRoot, 'bench/results'));
  if (values['update-readme'] === true) return updateReadme(path.join(repoRoot, 'README.md'), outDir);
  const chosen = pickScenarios(values.scenario ?? []);
  if (typeof chosen === 'string') {
    process.stderr.write(`floe bench: ${chosen}\n`);
    return 2;
  }
  const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
  if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1 && rounds <= 100)) {
    process.stderr.write('floe bench: --rounds must be an integer from 1 to 100\n');
    return 2;
  }
  const quick = values.quick === true;
  const res = await runBench({ scenarios: chosen, quick, outDir, ...(rounds === undefined ? {} : { rounds }) });
  printSummary(res.results, res.written.report);
  return res.failed.length === 0 ? 0 : 1;
}

function pickScenarios(names: string[]): Scenario[] | string {
  const wanted = names.flatMap((n) => n.split(',')).map((n) => n.trim()).filter((n) => n !== '');
  if (wanted.length === 0) return [...scenarios];
  const out: Scenario[] = [];
  for (const n of wanted) {
    const s = findScenario(n);
    if (s === undefined) return `unknown scenario '${n}' (known: ${scenarios.map((x) => x.name).join(', ')})`;
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

function printSummary(results: ReadonlyArray<{ scenario: string; notAvailable?: string; systems: ReadonlyArray<{ label: string; status: string; reason?: string; install?: string }> }>, report: string): void {
  const lines = new Set<string>();
  const packages = new Set<string>();
  for (const r of results) {
    if (r.notAvailable !== undefined) lines.add(`${r.scenario}: ${r.notAvailable}`);
    for (const s of r.systems) if (s.status !== 'ran' && s.reason !== undefined && s.reason !== 'did not run') lines.add(`${s.label}: ${s.reason}`);
  }
  for (const text of [...lines, ...results.flatMap((r) => r.systems.map((s) => s.install ?? ''))]) {
    for (const m of text.matchAll(/apt-get install -y ([\w.+-]+(?: [\w.+-]+)*)/g)) for (const p of (m[1] ?? '').split(' ')) packages.add(p);
  }
  for (const line of lines) process.stdout.write(`not run: ${line}\n`);
  if (packages.size > 0) process.stdout.write(`to run what was skipped: apt-get install -y ${[...packages].join(' ')}\n`);
  process.stdout.write(`report: ${path.relative(process.cwd(), report) || report}\n`);
}

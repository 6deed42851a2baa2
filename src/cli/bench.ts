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
  printSummary(res.results.flatMap((r) => r.systems), res.written.report);
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

function printSummary(systems: ReadonlyArray<{ label: string; status: string; reason?: string; install?: string }>, report: string): void {
  const installs = [...new Set(systems.flatMap((s) => (s.install === undefined ? [] : [s.install])))];
  const notRun = [...new Map(systems.filter((s) => s.status !== 'ran' && s.reason !== undefined).map((s) => [`${s.label}: ${s.reason ?? ''}`, s])).keys()];
  for (const line of notRun) process.stdout.write(`not run: ${line}\n`);
  if (installs.length > 0) process.stdout.write(`to run the skipped systems: ${installs.join(' && ')}\n`);
  process.stdout.write(`report: ${path.relative(process.cwd(), report) || report}\n`);
}

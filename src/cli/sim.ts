// `floe sim`: run the deterministic Raft fault simulator. One seed replays one run exactly
// (`--seed S`); `--seeds N` runs N seeds and reports throughput. A failure prints the seed, the
// broken property, the last events of the trace and the command line that replays it.

import { parseArgs } from 'node:util';
import { MUTANT_NAMES, type MutantName } from '../raft/types.ts';
import { runSimulation, type SimResult } from '../sim/simulation.ts';

/** Default events in a run's fault phase. */
export const defaultSteps = 6000;
export const defaultNodes = 5;
const nodesMax = 9;

const usage = `usage: floe sim [--seed S | --seeds N [--start S]] [--steps N] [--nodes K] [--mutant NAME] [--verbose] [--keep-going]

  --seed S       run one seed and print its trace hash (replays exactly)
  --seeds N      run N seeds: S, S+1, ... (S from --start, default 1)
  --steps N      events in the fault phase (default ${defaultSteps})
  --nodes K      initial voters (default ${defaultNodes}, at most ${nodesMax})
  --mutant NAME  switch off one safety rule in the core: ${MUTANT_NAMES.join(', ')}
  --verbose      print the whole trace of a single-seed run
  --keep-going   with --seeds, do not stop at the first violation
`;

interface Args {
  seed: number | null;
  seeds: number;
  start: number;
  steps: number;
  nodes: number;
  mutant: MutantName | undefined;
  verbose: boolean;
  keepGoing: boolean;
}

function parse(argv: string[]): Args | string {
  const { values } = parseArgs({
    args: argv,
    options: {
      seed: { type: 'string' }, seeds: { type: 'string' }, start: { type: 'string' }, steps: { type: 'string' },
      nodes: { type: 'string' }, mutant: { type: 'string' }, verbose: { type: 'boolean' }, 'keep-going': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) return usage;
  const int = (v: string | undefined, dflt: number, name: string, min: number): number => {
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isSafeInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}`);
    return n;
  };
  const mutant = values.mutant;
  if (mutant !== undefined && !(MUTANT_NAMES as readonly string[]).includes(mutant)) throw new Error(`unknown mutant '${mutant}'; one of ${MUTANT_NAMES.join(', ')}`);
  const nodes = int(values.nodes, defaultNodes, 'nodes', 1);
  if (nodes > nodesMax) throw new Error(`--nodes must be ≤ ${nodesMax}`);
  return {
    seed: values.seed === undefined ? null : int(values.seed, 0, 'seed', 0),
    seeds: int(values.seeds, 1, 'seeds', 1),
    start: int(values.start, 1, 'start', 0),
    steps: int(values.steps, defaultSteps, 'steps', 0),
    nodes,
    mutant: mutant as MutantName | undefined,
    verbose: values.verbose === true,
    keepGoing: values['keep-going'] === true,
  };
}

export function replayCommand(seed: number, a: { steps: number; nodes: number; mutant: MutantName | undefined }): string {
  const parts = ['npm run sim --', `--seed ${seed}`];
  if (a.steps !== defaultSteps) parts.push(`--steps ${a.steps}`);
  if (a.nodes !== defaultNodes) parts.push(`--nodes ${a.nodes}`);
  if (a.mutant !== undefined) parts.push(`--mutant ${a.mutant}`);
  return parts.join(' ');
}

export function formatFailure(r: SimResult, a: { steps: number; nodes: number; mutant: MutantName | undefined }): string {
  const v = r.violation;
  return [
    `FAIL seed ${r.seed}: ${v?.invariant ?? '?'}`,
    `  ${(v?.detail ?? '').split('\n').join('\n  ')}`,
    `  settings: ${r.settings}`,
    `  last ${r.traceTail.length} events:`,
    ...r.traceTail.map((l) => `    ${l}`),
    `  replay: ${replayCommand(r.seed, a)}`,
    '',
  ].join('\n');
}

export async function run(argv: string[]): Promise<number> {
  const parsed = parse(argv);
  if (typeof parsed === 'string') {
    process.stdout.write(parsed);
    return 0;
  }
  const a = parsed;
  if (a.seed !== null) return runOne(a, a.seed);
  return runMany(a);
}

function runOne(a: Args, seed: number): number {
  const sink = a.verbose ? (line: string) => process.stdout.write(line + '\n') : undefined;
  const t0 = performance.now();
  const r = runSimulation({ seed, steps: a.steps, nodes: a.nodes, mutant: a.mutant, ...(sink === undefined ? {} : { traceSink: sink }) });
  const secs = (performance.now() - t0) / 1000;
  if (!r.ok) {
    process.stdout.write(formatFailure(r, a));
    return 1;
  }
  process.stdout.write(`ok seed ${seed}: ${r.events} events, ${r.operations} client ops, linearizability ${r.linearizability}, ${(r.events / secs).toFixed(0)} events/s\n  trace sha256 ${r.traceHash}\n  settings: ${r.settings}\n`);
  return 0;
}

function runMany(a: Args): number {
  const t0 = performance.now();
  let events = 0;
  let failures = 0;
  let unknown = 0;
  let firstFailure: number | null = null;
  let done = 0;
  for (let seed = a.start; seed < a.start + a.seeds; seed++) {
    const r = runSimulation({ seed, steps: a.steps, nodes: a.nodes, mutant: a.mutant });
    events += r.events;
    done++;
    if (r.linearizability === 'unknown') {
      unknown++;
      process.stdout.write(`note: seed ${seed}: the linearizability check spent its step budget (unknown); replay: ${replayCommand(seed, a)}\n`);
    }
    if (r.ok) continue;
    failures++;
    firstFailure ??= done;
    process.stdout.write(formatFailure(r, a));
    if (!a.keepGoing) break;
  }
  const secs = (performance.now() - t0) / 1000;
  const mutant = a.mutant === undefined ? '' : ` (mutant ${a.mutant})`;
  process.stdout.write(
    `${done} seeds from ${a.start}${mutant}: ${failures} with violations${firstFailure === null ? '' : ` (first after ${firstFailure} seeds)`}, ${unknown} linearizability checks unknown\n` +
      `${events} events in ${secs.toFixed(1)} s: ${(events / secs).toFixed(0)} events/s, ${((done / secs) * 60).toFixed(0)} seeds/min\n`,
  );
  return failures === 0 ? 0 : 1;
}

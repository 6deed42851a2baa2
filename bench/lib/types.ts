// The shapes shared by scenarios, the runner and the report: what one scenario run produces
// and what bench/results/<date>-<scenario>.json holds.

import type { RatioSummary } from './stats.ts';

export type SystemStatus = 'ran' | 'skipped' | 'unavailable' | 'failed';

/** One system under test as a scenario saw it. */
export type SystemReport = {
  id: string;
  label: string;
  status: SystemStatus;
  version?: string;
  /** Why it did not run: missing binary, not built yet, failed to start. */
  reason?: string;
  /** The exact command that installs what is missing. */
  install?: string;
};

/** One row of a comparison table: the same measurement on several series, round by round. */
export type Comparison = {
  /** The table this row belongs to, e.g. "Throughput, -c 50". */
  group: string;
  /** The row label, e.g. "GET". */
  name: string;
  unit: string;
  better: 'higher' | 'lower';
  /** Series label (a system, or a system under a policy) → the value of each round. */
  values: Record<string, number[]>;
  /** Series label → why it has no value (command not supported, system skipped). */
  unsupported: Record<string, string>;
  /** Filled by summarize(): median per series and ratios of the first series to each other. */
  medians?: Record<string, number>;
  ratios?: RatioSummary[];
};

export type ChartBar = { series: string; value: number };
export type ChartGroup = { label: string; bars: ChartBar[] };
export type ChartSpec = {
  id: string;
  title: string;
  unit: string;
  /** Log scale for figures spanning orders of magnitude (latency percentiles). */
  log: boolean;
  groups: ChartGroup[];
};

export type Machine = {
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  node: string;
  os: string;
  /** 1-minute load average when the scenario started: above `cores`, others competed for the CPU. */
  loadAvg1m?: number;
};

export type ScenarioResult = {
  scenario: string;
  title: string;
  /** What the scenario measures and how, in a sentence or two. */
  description?: string;
  /** ISO time the scenario started. */
  startedAt: string;
  durationSec: number;
  quick: boolean;
  machine: Machine;
  /** Load tools and their versions (redis-benchmark, wrk, the Node generator). */
  tools: Record<string, string>;
  params: Record<string, string | number | boolean>;
  systems: SystemReport[];
  comparisons: Comparison[];
  charts: ChartSpec[];
  notes: string[];
  /**
   * Comparison groups the README section shows, in this order; without it, the first group
   * only. For tables a target in the notes refers to (commands: p99 and pipelined throughput).
   */
  readmeGroups?: string[];
  /** Set when the scenario as a whole cannot run yet (e.g. needs replicated Floe). */
  notAvailable?: string;
};

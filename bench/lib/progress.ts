// Progress on stderr: a bar redrawn in place (scenario, run, time left) when stderr is a
// terminal, one plain line per run otherwise (CI logs, pipes). Time left comes from each
// scenario's estimate, rescaled by how fast the run has actually gone so far.

export type PlanItem = { scenario: string; runs: number; estimateSec: number };

const barWidth = 24;
const redrawMs = 1_000;

export class Progress {
  private readonly out: NodeJS.WriteStream;
  private readonly tty: boolean;
  private readonly plan: PlanItem[];
  private readonly startedMs = Date.now();
  private index = -1;
  private runsDone = 0;
  private drawn = false;
  private label = '';
  private runStartedMs = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private readonly silent: boolean;

  constructor(plan: PlanItem[], opts: { out?: NodeJS.WriteStream; silent?: boolean } = {}) {
    this.out = opts.out ?? process.stderr;
    this.tty = this.out.isTTY === true;
    this.plan = plan;
    this.silent = opts.silent === true;
  }

  beginScenario(name: string): void {
    this.index = this.plan.findIndex((p) => p.scenario === name);
    this.runsDone = 0;
    this.runStartedMs = Date.now();
    this.line(`${name}: starting`);
  }

  /** One unit of work is about to run. */
  run(label: string): void {
    this.runsDone++;
    this.runStartedMs = Date.now();
    this.label = label;
    if (this.tty && !this.silent) {
      this.draw();
      // Redraw every second so the time left moves during long runs too.
      this.timer ??= setInterval(() => this.draw(), redrawMs).unref();
    } else {
      const item = this.plan[this.index];
      this.line(`[${item?.scenario ?? '?'} ${Math.min(this.runsDone, item?.runs ?? 0)}/${item?.runs ?? 0}] ${label} (~${formatSec(this.secondsLeft())} left)`);
    }
  }

  private draw(): void {
    const item = this.plan[this.index];
    const runs = item?.runs ?? 0;
    const frac = runs === 0 ? 1 : Math.min(1, this.runsDone / runs);
    const filled = Math.round(frac * barWidth);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}]`;
    const where = `${item?.scenario ?? '?'} ${Math.min(this.runsDone, runs)}/${runs}`;
    const cols = this.out.columns ?? 80;
    this.out.write(`\r\x1b[K${`${bar} ${where} · ${formatSec(this.secondsLeft())} left · ${this.label}`.slice(0, cols - 1)}`);
    this.drawn = true;
  }

  /** Counts runs that will not happen (an unsupported command) without drawing them. */
  advance(runs: number): void {
    this.runsDone += runs;
  }

  note(message: string): void {
    this.line(message);
  }

  end(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
    this.line(`done in ${formatSec((Date.now() - this.startedMs) / 1000)}`);
  }

  private line(text: string): void {
    if (this.silent) return;
    this.clear();
    this.out.write(text + '\n');
  }

  private clear(): void {
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }

  /**
   * Seconds left: the estimates of what remains, rescaled by the pace so far, counting down
   * inside the current run but never below what remains after it.
   */
  secondsLeft(): number {
    const completed = Math.max(0, this.runsDone - 1);
    const before = this.estimateLeft(completed);
    const after = this.estimateLeft(this.runsDone);
    const inRunSec = (Date.now() - this.runStartedMs) / 1000;
    return Math.max(after, before - inRunSec);
  }

  private estimateLeft(runsCompleted: number): number {
    let doneEst = 0;
    let leftEst = 0;
    this.plan.forEach((p, i) => {
      const frac = i < this.index ? 1 : i > this.index ? 0 : p.runs === 0 ? 0 : Math.min(1, runsCompleted / p.runs);
      doneEst += p.estimateSec * frac;
      leftEst += p.estimateSec * (1 - frac);
    });
    const elapsed = (this.runStartedMs - this.startedMs) / 1000;
    // Once a tenth of the estimate has gone by, trust the observed pace over the guess.
    const pace = doneEst > 0 && doneEst >= 0.1 * (doneEst + leftEst) ? elapsed / doneEst : 1;
    return leftEst * pace;
  }
}

export function formatSec(sec: number): string {
  if (!Number.isFinite(sec)) return '?';
  const s = Math.max(0, Math.round(sec));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

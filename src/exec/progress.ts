/**
 * A one-line progress bar on a TTY stream for jobs that run longer than a second:
 * stage i/n, tasks done, rows/s. Silent for short jobs and when the stream is not a TTY.
 */
import type { JobEvents } from './scheduler.js';

/** Renders job events as a progress line. */
export class ProgressReporter {
  private start = 0;
  private stagesTotal = 0;
  private stagesDone = 0;
  private tasksTotal = 0;
  private tasksDone = 0;
  private rows = 0;
  private shown = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly out: NodeJS.WriteStream) {}

  /** Feeds one event. */
  handle<K extends keyof JobEvents>(event: K, payload: JobEvents[K]): void {
    switch (event) {
      case 'jobStart':
        this.start = performance.now();
        this.stagesTotal = (payload as JobEvents['jobStart']).stages;
        this.timer = setInterval(() => this.render(), 200);
        this.timer.unref();
        break;
      case 'stageSubmitted':
        this.tasksTotal += (payload as JobEvents['stageSubmitted']).tasks;
        break;
      case 'taskEnd':
        this.tasksDone++;
        this.rows += (payload as JobEvents['taskEnd']).rows;
        break;
      case 'stageCompleted':
        this.stagesDone++;
        break;
      case 'jobEnd':
        if (this.timer) clearInterval(this.timer);
        if (this.shown) this.out.write('\r\x1b[2K');
        break;
    }
  }

  private render(): void {
    const elapsed = (performance.now() - this.start) / 1000;
    if (elapsed < 1) return;
    this.shown = true;
    const width = 24;
    const frac = this.tasksTotal ? this.tasksDone / this.tasksTotal : 0;
    const bar = '='.repeat(Math.round(frac * width)).padEnd(width, ' ');
    const rate = this.rows / elapsed;
    this.out.write(`\r\x1b[2K[Stage ${Math.min(this.stagesDone + 1, this.stagesTotal)}/${this.stagesTotal}] [${bar}] ${this.tasksDone}/${this.tasksTotal} tasks, ${formatRate(rate)} rows/s`);
  }
}

function formatRate(r: number): string {
  if (r >= 1e6) return `${(r / 1e6).toFixed(1)}M`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)}k`;
  return r.toFixed(0);
}

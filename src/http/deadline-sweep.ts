/** How often deadlines are checked: a timeout fires up to this late. */
const SWEEP_MS = 100;

export interface HasDeadline {
  readonly deadline: number;
  onDeadline(): void;
}

/**
 * The deadlines of HTTP/1 connections, checked together every 100 ms: setting one is a
 * field write, where a timer per connection would be armed and cleared several times per request.
 */
class DeadlineSweep {
  private readonly entries = new Set<HasDeadline>();
  private interval: NodeJS.Timeout | undefined;

  add(entry: HasDeadline): void {
    this.entries.add(entry);
    this.interval ??= setInterval(() => this.sweep(), SWEEP_MS).unref();
  }

  delete(entry: HasDeadline): void {
    this.entries.delete(entry);
    if (this.entries.size === 0 && this.interval !== undefined) {
      clearInterval(this.interval);
      this.interval = undefined;
    }
  }

  private sweep(): void {
    const now = performance.now();
    for (const entry of this.entries) if (entry.deadline <= now) entry.onDeadline();
  }
}

/** One sweep for the process: every connection of every server here. */
export const deadlines = new DeadlineSweep();

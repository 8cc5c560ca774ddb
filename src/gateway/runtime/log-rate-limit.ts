/**
 * At most `perSecond` lines a second, in bursts of up to `perSecond` (a token bucket): what a
 * flood of refused handshakes may write to the log. The lines left out are counted, and the next
 * line written says how many. No clock of its own: times come in as arguments.
 */
export class LogRateLimit {
  private tokens: number;
  private lastMs: number | undefined;
  private suppressed = 0;

  constructor(private readonly perSecond: number) {
    this.tokens = perSecond;
  }

  /**
   * Whether a line may be written at `nowMs`: undefined when not (it is counted), else how many
   * lines were left out since the last one written.
   */
  take(nowMs: number): number | undefined {
    if (this.lastMs !== undefined) this.tokens = Math.min(this.perSecond, this.tokens + ((nowMs - this.lastMs) * this.perSecond) / 1000);
    this.lastMs = nowMs;
    if (this.tokens < 1) {
      this.suppressed++;
      return undefined;
    }
    this.tokens--;
    const left = this.suppressed;
    this.suppressed = 0;
    return left;
  }
}

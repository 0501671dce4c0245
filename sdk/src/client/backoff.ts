/**
 * Exponential backoff with full jitter: attempt n waits a uniformly random time in
 * [0, min(maxDelayMs, initialDelayMs * 2^n)], so many clients cut off at once do not reconnect in lockstep.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialDelayMs = 250,
    private readonly maxDelayMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The ceiling of the next delay (before jitter). */
  get ceilingMs(): number {
    return Math.min(this.maxDelayMs, this.initialDelayMs * 2 ** Math.min(this.attempt, 30));
  }

  next(): number {
    const delay = Math.floor(this.random() * this.ceilingMs);
    this.attempt++;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }
}

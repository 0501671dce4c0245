/**
 * A steady remote-evaluation load: `POST /sdk/evaluate` with a client key at a fixed rate, spread
 * over the replicas, over a small population of users (so the evaluation cache both hits and misses).
 * Anything but a 200 with the expected flag counts as an error.
 */
export class EvalLoad {
  requests = 0;
  errors = 0;
  private readonly latencies: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private inFlight = new Set<Promise<void>>();
  private n = 0;

  constructor(
    private readonly replicas: string[],
    private readonly clientKey: string,
    private readonly flagKey: string,
    private readonly perSecond: number,
  ) {}

  /** Fires on a schedule (request n at n / rate s), catching up when the event loop was busy, so the rate holds. */
  start(): void {
    const started = performance.now();
    this.timer = setInterval(() => {
      const due = Math.floor(((performance.now() - started) / 1000) * this.perSecond);
      while (this.n < due) this.fire();
    }, 10);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.all(this.inFlight);
  }

  /** Latencies since the last call (and forgets them). */
  takeLatencies(): number[] {
    return this.latencies.splice(0);
  }

  private fire(): void {
    const i = this.n++;
    const url = `${this.replicas[i % this.replicas.length]}/sdk/evaluate`;
    const body = JSON.stringify({ context: { key: `user-${i % 500}`, email: `user-${i % 500}@example.com` } });
    const started = performance.now();
    const request = fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.clientKey}`, 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(5000),
    })
      .then(async (res) => {
        const answer = (await res.json()) as { flags?: Record<string, unknown> };
        if (res.status !== 200 || !answer.flags || !(this.flagKey in answer.flags)) this.errors++;
      })
      .catch(() => {
        this.errors++;
      })
      .finally(() => {
        this.requests++;
        this.latencies.push(performance.now() - started);
        this.inFlight.delete(request);
      });
    this.inFlight.add(request);
  }
}

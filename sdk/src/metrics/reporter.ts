/**
 * Sends the client's metrics: every interval (and once more on close) it closes the window, builds a
 * report and sends what is queued, one request at a time. A report the server did not answer is kept as
 * it is (same reportId, so a retry of one the server did store counts once) and sent again at the next
 * interval; at most CLIENT_METRICS_BOUNDS.maxQueuedReports are kept, none older than maxReportAgeMs. A
 * report given up on (or refused as invalid) is not lost without a trace: everything it counted is
 * added to the `dropped` counts of the next report built, so that for every client
 *   evaluations counted in accepted reports + their dropped.evaluations == evaluations made
 * (and the same for events), unless a report the server stored without its answer reaching the client
 * is later given up on (then it is counted both ways), or the last reports are still unsent at close.
 *
 * Nothing here blocks an evaluation, throws to the application, or keeps the process alive.
 */
import { type DroppedCounts, METRICS_LIMITS, type MetricsReport, type SdkIdentity } from '../model/index.ts';
import { CLIENT_METRICS_BOUNDS } from './bounds.ts';
import type { MetricsRecorder } from './recorder.ts';
import { buildReport, givenUp } from './report.ts';
import { type SendOutcome, type SendTarget, sendReport } from './send.ts';
import { addDrops, noDrops } from './window.ts';

type ReporterOptions = {
  target: SendTarget;
  intervalMs: number;
  recorder: MetricsRecorder;
  /** Who is reporting, as of now. */
  identity(): SdkIdentity;
  /** A failed send (once the reporter is idle again), a refused report, a refused key. */
  onError(error: Error): void;
};

type Queued = { body: string; builtAt: number; ifGivenUp: DroppedCounts };

const hasDrops = (d: DroppedCounts) => d.evaluations + d.events + d.contexts + d.reports > 0;

export class MetricsReporter {
  private readonly queue: Queued[] = [];
  /** What reports given up on held, for the next report built. */
  private carried = noDrops();
  private timer: NodeJS.Timeout | undefined;
  private inFlight: { entry: Queued; abort: AbortController } | undefined;
  private draining: Promise<void> | undefined;
  private stopped = false;
  private closed = false;
  private readonly requestMs: number;

  constructor(private readonly options: ReporterOptions) {
    const { maxRequestMs, minRequestMs } = CLIENT_METRICS_BOUNDS;
    this.requestMs = Math.min(maxRequestMs, Math.max(minRequestMs, options.intervalMs));
  }

  start(): void {
    this.timer = setInterval(() => this.report(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Sends a last report, waiting at most CLIENT_METRICS_BOUNDS.closeWaitMs; whatever is still unsent then is abandoned. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.timer);
    this.report();
    if (this.draining) {
      let timer: NodeJS.Timeout | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLIENT_METRICS_BOUNDS.closeWaitMs);
        timer.unref();
      });
      await Promise.race([this.draining, waited]);
      clearTimeout(timer);
    }
    this.stopped = true;
    this.inFlight?.abort.abort();
  }

  /** Closes the window into a report (unless nothing was counted or dropped) and sends what is queued. */
  private report(): void {
    if (this.stopped) return;
    try {
      const now = Date.now();
      this.giveUpStale(now);
      const window = this.options.recorder.takeWindow(now);
      if (!window.isEmpty || hasDrops(this.carried)) {
        const report = buildReport(window, this.options.identity(), now, this.carried);
        this.carried = noDrops();
        this.enqueue(report, now);
      }
    } catch (err) {
      this.options.onError(new Error(`metrics report not built: ${(err as Error).message}`, { cause: err }));
    }
    this.drain();
  }

  private enqueue(report: MetricsReport, now: number): void {
    const body = JSON.stringify(report);
    const ifGivenUp = givenUp(report);
    // The window's bounds keep a report under the limit; this only guards against a mistake in them.
    if (Buffer.byteLength(body) > METRICS_LIMITS.maxReportBytes) addDrops(this.carried, ifGivenUp);
    else this.queue.push({ body, builtAt: now, ifGivenUp });
  }

  /** Gives up on reports too old, and on the oldest ones so that one more fits; never on the one in flight. */
  private giveUpStale(now: number): void {
    for (const entry of [...this.queue]) {
      if (entry !== this.inFlight?.entry && now - entry.builtAt > CLIENT_METRICS_BOUNDS.maxReportAgeMs) this.giveUp(entry);
    }
    while (this.queue.length >= CLIENT_METRICS_BOUNDS.maxQueuedReports) {
      const oldest = this.queue.find((entry) => entry !== this.inFlight?.entry);
      if (!oldest) break;
      this.giveUp(oldest);
    }
  }

  private giveUp(entry: Queued): void {
    this.remove(entry);
    addDrops(this.carried, entry.ifGivenUp);
  }

  private remove(entry: Queued): void {
    const i = this.queue.indexOf(entry);
    if (i >= 0) this.queue.splice(i, 1);
  }

  /** Sends the queue in order, one request at a time, unless that is already under way (it then sends what was added). */
  private drain(): void {
    if (this.draining || this.stopped || this.queue.length === 0) return;
    this.draining = this.sendQueued();
  }

  private async sendQueued(): Promise<void> {
    let failure: Error | undefined;
    try {
      failure = await this.sendUntilFailure();
    } finally {
      this.draining = undefined;
    }
    // Told once idle, so that whoever listens can count on the next report starting a new send.
    if (failure && !this.stopped) this.options.onError(failure);
  }

  /** Sends queued reports until the queue is empty or one fails; returns the failure. */
  private async sendUntilFailure(): Promise<Error | undefined> {
    for (let entry = this.queue[0]; entry !== undefined && !this.stopped; entry = this.queue[0]) {
      const outcome = await this.send(entry);
      if (this.stopped) return undefined;
      if (outcome.kind === 'failed') return outcome.error;
      if (outcome.kind === 'accepted') {
        this.remove(entry);
      } else if (outcome.kind === 'refused') {
        this.giveUp(entry);
        this.options.onError(outcome.error);
      } else {
        this.options.onError(outcome.error);
        this.stopSending();
        return undefined;
      }
    }
    return undefined;
  }

  private async send(entry: Queued): Promise<SendOutcome> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), this.requestMs);
    timer.unref();
    this.inFlight = { entry, abort };
    try {
      return await sendReport(this.options.target, entry.body, abort.signal);
    } finally {
      clearTimeout(timer);
      this.inFlight = undefined;
    }
  }

  /** The key was refused: nothing more is counted or sent by this client. */
  private stopSending(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.queue.length = 0;
    this.carried = noDrops();
    this.options.recorder.disable();
  }
}

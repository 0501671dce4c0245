import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { addDrops, buildReport, givenUp, MetricsWindow, noDrops } from '@switchyard/sdk';
import type { DroppedCounts, MetricsErrorKind, MetricsReport } from '@switchyard/sdk/model';
import { NotFoundError } from '../errors/index.ts';
import type { ServedFlags } from '../snapshots/eval-cache.ts';

/** Stores a report as if an SDK had sent it (the ingest path of POST /sdk/metrics). */
export type SubmitReport = (environmentId: string, report: MetricsReport) => Promise<unknown>;

type Log = { warn(details: object, message: string): void };

const SERVER_VERSION: string = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;
/** Reports kept for another try while the database is unreachable (per replica); the oldest are given up beyond. */
const MAX_UNSENT_REPORTS = 100;
/** How long close() waits for the last reports to be stored. */
const CLOSE_WAIT_MS = 3_000;

/**
 * The server's own counts of the remote evaluations it answered (POST /sdk/evaluate), kept per
 * environment in the SDK's own MetricsWindow (the same bounds, hashing and drop rules as a client's)
 * and sent every interval as an ordinary metrics report (mode `server`) through the same inbox as the
 * SDKs' reports: idempotent by report id, folded the same way. A report that could not be stored is
 * tried again with the same id; one given up on becomes drops in its environment's next report.
 */
export class RemoteEvaluationCounts {
  private windows = new Map<string, { window: MetricsWindow; snapshotVersion: number }>();
  private unsent: { environmentId: string; report: MetricsReport }[] = [];
  /** Drops of reports given up on, to be told in the environment's next report. */
  private readonly carriedDrops = new Map<string, DroppedCounts>();
  private readonly timer: NodeJS.Timeout;
  private flushing: Promise<void> | null = null;

  constructor(private readonly deps: { instanceId: string; submit: SubmitReport; flushIntervalMs: number; log: Log }) {
    this.timer = setInterval(() => void this.flush(), deps.flushIntervalMs);
    this.timer.unref();
  }

  /**
   * Counts one answer: each flag's variation or error kind, and for flags under a guarded release
   * (`guarded`: flag key -> salt), the context's exposure to the variation it was served.
   */
  count(
    environmentId: string,
    snapshotVersion: number,
    served: ServedFlags,
    guarded: ReadonlyMap<string, string>,
    contextKey: string,
  ): void {
    let current = this.windows.get(environmentId);
    if (!current) this.windows.set(environmentId, (current = { window: new MetricsWindow(Date.now()), snapshotVersion }));
    current.snapshotVersion = snapshotVersion;
    const { window } = current;
    const { flags, outcomes } = served;
    for (let i = 0; i < flags.length; i++) {
      const flag = flags[i]!;
      const outcome = outcomes[i]! as number | MetricsErrorKind;
      window.countEvaluations(flag, outcome, 1);
      if (guarded.size > 0 && typeof outcome === 'number') {
        const salt = guarded.get(flag);
        if (salt !== undefined) window.expose(flag, salt, outcome, contextKey);
      }
    }
  }

  /** Sends what was counted (and what is still unsent); one flush at a time. */
  flush(): Promise<void> {
    this.flushing ??= this.sendAll().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  /** Stops the timer and sends what was counted, waiting a bounded time for the database. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flushing;
    await Promise.race([this.flush(), sleep(CLOSE_WAIT_MS, undefined, { ref: false })]);
  }

  private async sendAll(): Promise<void> {
    const end = Date.now();
    for (const [environmentId, { window, snapshotVersion }] of this.windows) {
      const identity = {
        name: '@switchyard/server',
        version: SERVER_VERSION,
        instanceId: this.deps.instanceId,
        mode: 'server' as const,
        snapshotVersion,
      };
      const carried = this.carriedDrops.get(environmentId) ?? noDrops();
      this.carriedDrops.delete(environmentId);
      this.unsent.push({ environmentId, report: buildReport(window, identity, end, carried) });
    }
    this.windows = new Map();
    while (this.unsent.length > MAX_UNSENT_REPORTS) this.giveUp(this.unsent.shift()!);
    const pending = this.unsent;
    this.unsent = [];
    for (const [i, item] of pending.entries()) {
      try {
        await this.deps.submit(item.environmentId, item.report);
      } catch (error) {
        if (error instanceof NotFoundError) continue; // the environment was deleted: nobody is left to read these counts
        this.unsent.push(...pending.slice(i));
        this.deps.log.warn({ err: error }, 'could not store the counts of remote evaluations; they are sent again later');
        return;
      }
    }
  }

  /** A report that cannot be kept any longer: its counts become drops in the environment's next report. */
  private giveUp({ environmentId, report }: { environmentId: string; report: MetricsReport }): void {
    const carried = this.carriedDrops.get(environmentId) ?? noDrops();
    addDrops(carried, givenUp(report));
    this.carriedDrops.set(environmentId, carried);
  }
}

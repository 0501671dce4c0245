import { setTimeout as sleep } from 'node:timers/promises';

/** Where a loop reports what went wrong (the app's logger). */
export type DueWorkLog = { warn(obj: object, msg: string): void };

export type DueWorkOptions = {
  /** For logs, e.g. `release plans`. */
  name: string;
  /**
   * Claims one due item and does it, in one transaction: `SELECT ... WHERE <due at or before the
   * database's now()> ... LIMIT 1 FOR UPDATE SKIP LOCKED`, then the work, then the item's new state.
   * Returns false when nothing was due. Throws only for failures worth a retry (the database gone).
   */
  runOne(): Promise<boolean>;
  /**
   * Whether anything is due, asked without a transaction before an idle loop tries runOne: an idle
   * replica asks every poll interval on each of its loops, and a cheap indexed EXISTS costs far less
   * than opening a transaction to find nothing.
   */
  anyDue?(): Promise<boolean>;
  /** How long a replica sleeps when nothing was due; default 200 ms. */
  pollIntervalMs?: number;
  /** How many items one replica works on at once; default 2. */
  concurrency?: number;
  log: DueWorkLog;
};

const FAILURE_PAUSE_MS = 1000;

/**
 * Does work that falls due (a release plan's next look, a scheduled change, a webhook delivery) on
 * every replica, each item exactly once.
 *
 * The items are rows with a due time. Whoever claims one locks its row (FOR UPDATE SKIP LOCKED) in the
 * transaction that does the work and records the item's next state, so:
 * - two replicas due at the same moment never take the same item (the second skips the locked row);
 * - a replica killed mid-item loses its connection, PostgreSQL rolls its transaction back and drops the
 *   lock at once, and the next poll of any replica takes the item: nothing done twice, nothing missed;
 * - due times are compared with the database's clock, so a replica whose clock jumps changes nothing.
 *
 * Why rows and not pg-boss jobs (which the metrics maintenance uses): a pg-boss job fetched by a
 * replica that is then killed stays `active` until its expiry (minutes by default, at least the
 * monitor's interval), while the issue asks every stage to be applied within a second of its due time
 * with a replica killed midway; and the row is written in the same transaction as the change that
 * makes it due, so no "job sent after commit" can be lost.
 */
export class DueWorkLoop {
  private running = false;
  private readonly workers: Promise<void>[] = [];
  private readonly sleepers = new Set<() => void>();

  constructor(private readonly options: DueWorkOptions) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    for (let i = 0; i < (this.options.concurrency ?? 2); i++) this.workers.push(this.work());
  }

  /** Ends the loops after the items in hand are done. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake();
    await Promise.all(this.workers.splice(0));
  }

  /** Looks for due items now rather than at the next poll (after a write that made something due). */
  wake(): void {
    for (const wake of [...this.sleepers]) wake();
  }

  private async work(): Promise<void> {
    let found = false;
    while (this.running) {
      try {
        const anyDue = this.options.anyDue;
        found = !found && anyDue !== undefined && !(await anyDue()) ? false : await this.options.runOne();
      } catch (err) {
        found = false;
        this.options.log.warn({ err }, `${this.options.name}: due work failed; trying again`);
        await sleep(FAILURE_PAUSE_MS);
        continue;
      }
      if (!found && this.running) await this.idle();
    }
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleepers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.options.pollIntervalMs ?? 200);
      this.sleepers.add(done);
    });
  }
}

/** The database's current time as the timestamp columns hold it (UTC, without time zone), for due-time SQL. */
export const DB_NOW_UTC = `(now() AT TIME ZONE 'UTC')`;

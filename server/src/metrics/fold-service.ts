import { setTimeout as sleep } from 'node:timers/promises';
import { tryLockForTransaction } from '../db/locks.ts';
import type { PrismaClient } from '../db/prisma.ts';
import { countUnfoldedReports, foldOldestReports, oldestUnfoldedReport, setAsideReport } from './fold-repository.ts';
import type { MetricsLog } from './log.ts';
import { isDataException } from './sql-state.ts';

/** `skipped`: another replica was folding, so this one did nothing. `setAside`: reports taken out uncounted. */
export type FoldTurn = { skipped: boolean; folded: number; setAside: string[] };

/** A batch can take a while on a large backlog; a stalled one must not hold the lock forever. */
const FOLD_TRANSACTION_TIMEOUT_MS = 60_000;
/** How long a caller of foldPending waits before looking again while another replica folds. */
const PENDING_RECHECK_MS = 20;
/**
 * How long stop() waits for a turn in progress (against a database that stopped answering). A turn
 * abandoned then is rolled back when its connection closes: its reports stay unfolded, nothing is lost.
 */
const STOP_WAIT_MS = 5_000;

/**
 * Adds the reports of the inbox into the rollups, exactly once: every replica runs this loop, and
 * the advisory lock lets one fold at a time (the others skip their turn rather than wait).
 */
export class MetricsFolder {
  private timer: NodeJS.Timeout | null = null;
  private turn: Promise<void> | null = null;
  private stopped = false;
  /** Whether the last turn of the loop failed: an outage is logged when it starts and when it ends, not every turn. */
  private failing = false;

  constructor(private readonly deps: { prisma: PrismaClient; batchSize: number; log: MetricsLog }) {}

  /**
   * One turn: folds up to `limit` of the oldest unfolded reports in one transaction, or nothing when
   * another replica is folding. A batch that cannot be added (a double overflowing) is folded one
   * report at a time instead, and the report that fails on its own is set aside and logged, so that
   * one bad report never stops the folding of the others.
   */
  async foldOnce(limit = this.deps.batchSize): Promise<FoldTurn> {
    try {
      return { ...(await this.foldBatch(limit)), setAside: [] };
    } catch (error) {
      if (!isDataException(error)) throw error;
      return this.foldOneByOne(limit);
    }
  }

  /** Folds until no unfolded report is left (waiting for other replicas' turns); returns how many this replica folded. */
  async foldPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const turn = await this.foldOnce();
      total += turn.folded;
      if (turn.folded > 0 || turn.setAside.length > 0) continue;
      if ((await countUnfoldedReports(this.deps.prisma)) === 0) return total;
      await sleep(PENDING_RECHECK_MS);
    }
  }

  /** Folds every `intervalMs` (the first turn after one interval), until stop(). */
  start(intervalMs: number): void {
    const schedule = () => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.turn = this.foldBacklog().finally(schedule);
      }, intervalMs);
      this.timer.unref();
    };
    schedule();
  }

  /** Stops the loop and waits (a bounded time) for a turn in progress to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.turn) await Promise.race([this.turn, sleep(STOP_WAIT_MS, undefined, { ref: false })]);
  }

  /** A turn of the loop: full batches mean more is waiting, so it goes on until a batch is not full. */
  private async foldBacklog(): Promise<void> {
    try {
      for (;;) {
        const turn = await this.foldOnce();
        if (this.failing) this.deps.log.info({}, 'metrics folding works again');
        this.failing = false;
        if (turn.skipped || turn.folded + turn.setAside.length < this.deps.batchSize || this.stopped) return;
      }
    } catch (error) {
      if (!this.failing) {
        this.deps.log.warn({ err: error }, 'metrics folding failed; the reports stay in the inbox and are folded once it works again');
      }
      this.failing = true;
    }
  }

  private foldBatch(limit: number, onlyId?: string): Promise<{ skipped: boolean; folded: number }> {
    return this.deps.prisma.$transaction(
      async (tx) => {
        if (!(await tryLockForTransaction(tx, 'metricsFolding'))) return { skipped: true, folded: 0 };
        return { skipped: false, folded: await foldOldestReports(tx, limit, onlyId) };
      },
      { timeout: FOLD_TRANSACTION_TIMEOUT_MS },
    );
  }

  private async foldOneByOne(limit: number): Promise<FoldTurn> {
    const turn: FoldTurn = { skipped: false, folded: 0, setAside: [] };
    for (let i = 0; i < limit; i++) {
      const id = await oldestUnfoldedReport(this.deps.prisma);
      if (!id) break;
      try {
        const one = await this.foldBatch(1, id);
        if (one.skipped || one.folded === 0) break;
        turn.folded += one.folded;
      } catch (error) {
        if (!isDataException(error)) throw error;
        if (!(await this.deps.prisma.$transaction((tx) => setAsideReport(tx, id)))) break;
        turn.setAside.push(id);
        this.deps.log.error(
          { reportId: id, err: error },
          'metrics report set aside uncounted: its numbers cannot be added to the rollups (kept in MetricsReport for a day)',
        );
      }
    }
    return turn;
  }
}

import { EventEmitter } from 'node:events';
import type { ChangeNotice } from './notice.ts';

export interface ChangeBus {
  publish(notice: ChangeNotice): Promise<void>;
  /** Returns a function that unsubscribes. */
  subscribe(handler: (notice: ChangeNotice) => void): () => void;
  /**
   * Buses that can lose notices (a Redis reconnect) call `handler` when the subscriber is back, so the caller can catch up from
   * the database.
   */
  onResubscribe?(handler: () => void): () => void;
  close(): Promise<void>;
}

/** Single-instance mode (no REDIS_URL): notices stay inside this process. */
export class InProcessChangeBus implements ChangeBus {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  async publish(notice: ChangeNotice): Promise<void> {
    this.emitter.emit('change', notice);
  }

  subscribe(handler: (notice: ChangeNotice) => void): () => void {
    this.emitter.on('change', handler);
    return () => this.emitter.off('change', handler);
  }

  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

import { EventEmitter } from 'node:events';
import type { Patch } from './snapshot.ts';

/**
 * Published after a write commits: environment `environmentKey` is now at `version`.
 * `resourceType: 'token'` is different: token `resourceKey` was revoked (connections using it are
 * closed at once); its `version` is not a new environment version and is ignored.
 */
export type ChangeNotice = {
  environmentId: string;
  environmentKey: string;
  version: number;
  resourceType: 'flag' | 'segment' | 'environment' | 'token';
  resourceKey: string;
  /**
   * What changed in (patch.fromVersion, version], built by the replica that committed the write, so
   * that the others can fan it out without reading PostgreSQL. Absent when it could not be built (an
   * environment-wide change) or was too large to carry: receivers then read the database.
   */
  patch?: Patch;
};

export interface ChangeBus {
  publish(notice: ChangeNotice): Promise<void>;
  /** Returns a function that unsubscribes. */
  subscribe(handler: (notice: ChangeNotice) => void): () => void;
  /** Buses that can lose notices (a Redis reconnect) call `handler` when the subscriber is back, so the caller can catch up from the database. */
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

// No repository: the SDK API reads only through the snapshot and evaluation caches (server/src/snapshots).
import { NotFoundError } from '../errors/index.ts';
import type { EvalCache } from '../snapshots/eval-cache.ts';
import type { CachedSnapshot, SnapshotCache } from '../snapshots/snapshot-cache.ts';
import { evaluateForClient, requestHash } from './remote-evaluation.ts';
import type { EvaluateBody } from './schemas.ts';

/** A remote evaluation, already JSON. `from`: the cache that answered (`local` or `shared`), or null when evaluated now. */
export type RemoteEvaluation = { json: string; from: 'local' | 'shared' | null };

const environmentGone = (environmentKey: string) => new NotFoundError(`Environment "${environmentKey}"`);

/** What SDKs read: an environment's snapshot for server SDKs, evaluated values for client keys. */
export class SdkApiService {
  constructor(private readonly deps: { snapshots: SnapshotCache; evalCache: EvalCache }) {}

  /** The environment's current snapshot (serialized once per version); NotFoundError when the environment no longer exists. */
  async snapshot(environmentKey: string): Promise<CachedSnapshot> {
    const snapshot = await this.deps.snapshots.current(environmentKey);
    if (!snapshot) throw environmentGone(environmentKey);
    return snapshot;
  }

  /**
   * Evaluates the client-visible flags for a context. Answers are cached by environment version and a
   * hash of the request, so a change is never answered from a stale cache; NotFoundError when the
   * environment no longer exists.
   */
  async evaluate(environmentKey: string, body: EvaluateBody): Promise<RemoteEvaluation> {
    const { snapshots, evalCache } = this.deps;
    const snapshot = await snapshots.current(environmentKey);
    if (!snapshot) throw environmentGone(environmentKey);
    const cacheKey = evalCache.key(environmentKey, snapshot.version, requestHash(body));
    const cached = await evalCache.get(cacheKey);
    if (cached) return cached;
    const json = evaluateForClient(snapshot, body);
    // Not cached when the snapshot was replaced or its environment deleted while the cache was asked.
    if (snapshots.isLatest(snapshot)) evalCache.set(cacheKey, json);
    return { json, from: null };
  }
}

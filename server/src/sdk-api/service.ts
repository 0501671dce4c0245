// No repository: the SDK API reads only through the snapshot and evaluation caches (server/src/snapshots).
import { NotFoundError } from '../errors/index.ts';
import type { CachedAnswer, EvalCache, ServedFlags } from '../snapshots/eval-cache.ts';
import type { CachedSnapshot, SnapshotCache } from '../snapshots/snapshot-cache.ts';
import type { RemoteEvaluationCounts } from './remote-counts.ts';
import { evaluateForClient, guardedFlagsOf, requestHash, servedFlagsOf } from './remote-evaluation.ts';
import type { EvaluateBody } from './schemas.ts';

/** A remote evaluation, already JSON. `from`: the cache that answered (`local` or `shared`), or null when evaluated now. */
export type RemoteEvaluation = { json: string; from: 'local' | 'shared' | null };

/** One remote evaluation request: its cache key part, its context's key (exposures), how to answer it and read a cached answer. */
export type RemoteRequest = {
  hash: string;
  contextKey: string | undefined;
  compute: (snapshot: CachedSnapshot) => CachedAnswer;
  servedOf: (json: string) => ServedFlags;
};

/** The environment of an SDK key: its key (what caches are keyed by) and its id (what metrics are stored by). */
export type KeyEnvironment = { key: string; id: string };

const environmentGone = (environmentKey: string) => new NotFoundError(`Environment "${environmentKey}"`);

/** What SDKs read: an environment's snapshot for server SDKs, evaluated values for client keys. */
export class SdkApiService {
  constructor(private readonly deps: { snapshots: SnapshotCache; evalCache: EvalCache; remoteCounts: RemoteEvaluationCounts }) {}

  /** The environment's current snapshot (serialized once per version); NotFoundError when the environment no longer exists. */
  async snapshot(environmentKey: string): Promise<CachedSnapshot> {
    const snapshot = await this.deps.snapshots.current(environmentKey);
    if (!snapshot) throw environmentGone(environmentKey);
    return snapshot;
  }

  /**
   * Evaluates the client-visible flags for a context. Answers are cached by environment version and a
   * hash of the request, so a change is never answered from a stale cache; NotFoundError when the
   * environment no longer exists. Every answer, from the cache or not, is counted (RemoteEvaluationCounts).
   */
  async evaluate(environment: KeyEnvironment, body: EvaluateBody): Promise<RemoteEvaluation> {
    const snapshot = await this.snapshot(environment.key);
    return this.answer(environment, snapshot, {
      hash: requestHash(body),
      contextKey: body.context.key,
      compute: (s) => evaluateForClient(s, body),
      servedOf: servedFlagsOf,
    });
  }

  /**
   * A remote evaluation of `snapshot` (any answer format: /sdk/evaluate's, OFREP's), from the evaluation
   * cache or computed now and cached, counted either way. `hash` must tell apart every request that
   * could be answered differently (format, audience, context, flags).
   */
  async answer(environment: KeyEnvironment, snapshot: CachedSnapshot, request: RemoteRequest): Promise<RemoteEvaluation> {
    const { snapshots, evalCache } = this.deps;
    const cacheKey = evalCache.key(environment.key, snapshot.version, request.hash);
    const cached = await evalCache.get(cacheKey, request.servedOf);
    if (cached) {
      this.count(environment, snapshot, cached.served, request.contextKey);
      return { json: cached.json, from: cached.from };
    }
    const answer = request.compute(snapshot);
    // Not cached when the snapshot was replaced or its environment deleted while the cache was asked.
    if (snapshots.isLatest(snapshot)) evalCache.set(cacheKey, answer);
    this.count(environment, snapshot, answer.served, request.contextKey);
    return { json: answer.json, from: null };
  }

  /** Counts what an evaluation answered without the cache (one flag) served, as every remote evaluation is counted. */
  count(environment: KeyEnvironment, snapshot: CachedSnapshot, served: ServedFlags, contextKey: string | undefined): void {
    this.deps.remoteCounts.count(environment.id, snapshot.version, served, guardedFlagsOf(snapshot), contextKey ?? '');
  }
}

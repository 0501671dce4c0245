import { hash as digest } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Context } from '@switchyard/sdk/model';
import { NotFoundError } from '../errors/index.ts';
import { type Audience, canonicalJson, evaluateAll, evaluateFlag, servedFlags } from '../sdk-api/remote-evaluation.ts';
import type { KeyEnvironment, SdkApiService } from '../sdk-api/service.ts';
import type { CachedSnapshot } from '../snapshots/snapshot-cache.ts';
import { failure, type OfrepFailure, type OfrepSuccess, ofrepEntry, servedOfBulk } from './answers.ts';
import type { EventStreams } from './event-stream.ts';
import type { OfrepContext } from './schemas.ts';
import type { StreamGrant, StreamTokens } from './stream-token.ts';

export type { Audience, KeyEnvironment };

/** One flag's answer: 200 with a success, or the failure with its HTTP status (404 not found, 400 or 500). */
export type SingleAnswer = { status: 200; body: OfrepSuccess } | { status: 400 | 404 | 500; body: OfrepFailure };

/** A bulk answer: unchanged (304) when the caller's ETag is current, else the JSON (without its event streams). */
export type BulkAnswer =
  | { etag: string; notModified: true }
  | { etag: string; notModified: false; json: string; from: 'local' | 'shared' | null };

/** OFREP's `targetingKey` is Switchyard's context `key`; every other attribute passes as is. */
export function toSwitchyardContext(context: OfrepContext | undefined): Context {
  if (context === undefined) return {};
  const { targetingKey, ...attributes } = context;
  return targetingKey === undefined ? attributes : { ...attributes, key: targetingKey };
}

/**
 * `canonicalJson(toSwitchyardContext(context))`, without copying the context: a cached answer needs
 * only this (its cache key), so the Switchyard context is built only when evaluating.
 */
export function canonicalSwitchyardContextJson(context: OfrepContext | undefined): string {
  if (context === undefined) return '{}';
  const { targetingKey } = context;
  const names: string[] = [];
  for (const name of Object.keys(context)) if (name !== 'targetingKey') names.push(name);
  if (targetingKey !== undefined && !Object.hasOwn(context, 'key')) names.push('key');
  names.sort();
  let json = '{';
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const value = name === 'key' && targetingKey !== undefined ? targetingKey : context[name];
    json += `${i === 0 ? '' : ','}${JSON.stringify(name)}:${canonicalJson(value)}`;
  }
  return `${json}}`;
}

/** Keys whose `eventStreams` JSON is kept (as many as StreamTokens keeps tokens for). */
const MAX_REMEMBERED_KEYS = 10_000;

/**
 * The ETag of a bulk answer: the environment's version and the request's hash (the same request at the
 * same version answers the same), and the hour its stream token was issued for. The web provider keeps
 * the stream URL of its last 200 while it gets 304s, and reconnects to it after an error: when the token
 * changes, so does the ETag, so the next refetch brings the new URL instead of a 304.
 */
const bulkEtag = (version: number, hash: string, tokenWindow: number) => `"${version}-${hash.slice(0, 20)}-${tokenWindow}"`;

/**
 * OFREP evaluation (single flag and bulk) through the same engine, caches and counts as /sdk/evaluate:
 * the SDK API service answers, this one speaks OFREP. A client key sees only client-side available flags.
 */
export class OfrepService {
  /** The last `eventStreams` JSON answered to each key (by key id), with the token it carries. */
  private readonly eventStreams = new Map<string, { token: string; json: string }>();

  constructor(
    private readonly deps: {
      sdk: SdkApiService;
      tokens: StreamTokens;
      streams: EventStreams;
      /** Of the given key ids, those still active (a stream token dies with its key). */
      activeTokenIds: (ids: readonly string[]) => Promise<Set<string>>;
      inactivityDelaySec: number;
    },
  ) {}

  /** The `eventStreams` entry of a bulk answer, as JSON: a URL on the OFREP base URL's origin carrying a stream token, never the key. */
  eventStreamsJson(environment: KeyEnvironment, tokenId: string): string {
    const token = this.deps.tokens.issue({ environmentId: environment.id, environmentKey: environment.key, tokenId });
    // A key's token stays the same for an hour, and so does this JSON: serialized once per token, not per answer.
    const known = this.eventStreams.get(tokenId);
    if (known?.token === token) return known.json;
    const json = JSON.stringify([
      { type: 'sse', endpoint: { requestUri: `/ofrep/v1/events?token=${token}` }, inactivityDelaySec: this.deps.inactivityDelaySec },
    ]);
    if (this.eventStreams.size >= MAX_REMEMBERED_KEYS) this.eventStreams.clear();
    this.eventStreams.set(tokenId, { token, json });
    return json;
  }

  /** The environment and key a stream token grants, with the environment's current version; null when the token is bad, expired or its key revoked. */
  async authorizeStream(token: string): Promise<{ grant: StreamGrant; version: number } | null> {
    const grant = this.deps.tokens.verify(token);
    if (!grant) return null;
    const active = await this.deps.activeTokenIds([grant.tokenId]);
    if (!active.has(grant.tokenId)) return null;
    const snapshot = await this.deps.sdk.snapshot(grant.environmentKey).catch((err: unknown) => {
      if (err instanceof NotFoundError) return null; // the environment was deleted
      throw err;
    });
    return snapshot ? { grant, version: snapshot.version } : null;
  }

  /** Hands a stream whose headers were sent to this replica's event streams. */
  openStream(response: ServerResponse, grant: StreamGrant, version: number, lastEventId: string | undefined): void {
    this.deps.streams.open(response, grant.environmentKey, grant.tokenId, version, lastEventId);
  }

  /**
   * One flag, evaluated now: a single evaluation costs less than hashing the context for a cache key.
   * A flag the key may not see is not found. Counted like every remote evaluation.
   */
  async evaluateFlag(
    environment: KeyEnvironment,
    audience: Audience,
    key: string,
    context: OfrepContext | undefined,
  ): Promise<SingleAnswer> {
    const snapshot = await this.deps.sdk.snapshot(environment.key);
    const flag = Object.hasOwn(snapshot.snapshot.flags, key) ? snapshot.snapshot.flags[key] : undefined;
    if (flag === undefined || (audience === 'client' && !flag.clientSideAvailable)) {
      return { status: 404, body: failure(key, 'FLAG_NOT_FOUND', `No flag "${key}" for this key`) };
    }
    const switchyardContext = toSwitchyardContext(context);
    const detail = evaluateFlag(snapshot, key, switchyardContext);
    this.deps.sdk.count(environment, snapshot, servedFlags([[key, detail]]), context?.targetingKey);
    const entry = ofrepEntry(key, detail, flag);
    if (!('errorCode' in entry)) return { status: 200, body: entry };
    return { status: entry.errorCode === 'GENERAL' ? 500 : 400, body: entry };
  }

  /**
   * Every flag the key may see, for the context: unchanged when `ifNoneMatch` (the caller's ETags) names
   * the current one, else from the evaluation cache or evaluated now.
   */
  async evaluateAll(
    environment: KeyEnvironment,
    audience: Audience,
    context: OfrepContext | undefined,
    isCurrent: (etag: string) => boolean,
  ): Promise<BulkAnswer> {
    const { sdk } = this.deps;
    const snapshot = await sdk.snapshot(environment.key);
    // One-shot hashing: no Hash object per request (a cached answer costs little else).
    const hash = digest('sha256', `ofrep:${audience}:${canonicalSwitchyardContextJson(context)}`, 'hex');
    const etag = bulkEtag(snapshot.version, hash, this.deps.tokens.currentWindow());
    if (isCurrent(etag)) return { etag, notModified: true };
    const answer = await sdk.answer(environment, snapshot, {
      hash,
      contextKey: context?.targetingKey,
      compute: (s) => bulkAnswer(s, toSwitchyardContext(context), audience),
      servedOf: servedOfBulk,
    });
    return { etag, notModified: false, json: answer.json, from: answer.from };
  }
}

function bulkAnswer(snapshot: CachedSnapshot, context: Context, audience: Audience) {
  const entries = evaluateAll(snapshot, context, audience);
  const definitions = snapshot.snapshot.flags;
  const flags = entries.map(([key, detail]) => ofrepEntry(key, detail, definitions[key]));
  return {
    json: JSON.stringify({ flags, metadata: { environment: snapshot.environment, version: snapshot.version } }),
    served: servedFlags(entries),
  };
}

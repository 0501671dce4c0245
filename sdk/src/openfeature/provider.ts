/**
 * An OpenFeature server provider backed by the Switchyard client, for applications that use the
 * vendor-neutral `@openfeature/server-sdk` API. Evaluation is local and synchronous underneath.
 *
 * Reasons: TARGET_MATCH and RULE_MATCH -> TARGETING_MATCH; FALLTHROUGH -> DEFAULT (the flag's default
 * rule served; it may be a percentage rollout, so not STATIC); OFF -> DISABLED; PREREQUISITE_FAILED ->
 * the custom reason "PREREQUISITE_FAILED" (the off variation is served); errors -> ERROR with
 * FLAG_NOT_FOUND, TYPE_MISMATCH (WRONG_TYPE), TARGETING_KEY_MISSING (USER_NOT_SPECIFIED), PARSE_ERROR
 * (MALFORMED_FLAG), PROVIDER_NOT_READY (no rules yet) or GENERAL. The variant is the variation index.
 *
 * Events: Ready (also after a Stale/Error once rules flow again), ConfigurationChanged with
 * `flagsChanged`, Stale while neither stream nor polling works (last known rules are still served),
 * Error when the server refuses the key (last known rules are still served).
 *
 * Metrics: evaluations through the provider are counted by its client like any other, and OpenFeature's
 * `track(name, context, { value })` is the client's `track(name, context, value)`.
 */
import {
  ErrorCode,
  type EvaluationContext,
  type FlagMetadata,
  type JsonValue,
  OpenFeatureEventEmitter,
  type Provider,
  ProviderEvents,
  type ResolutionDetails,
  type ResolutionReason,
  StandardResolutionReasons,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import { FlagsClient } from '../client/client.ts';
import { StreamError } from '../client/stream.ts';
import type { ClientEvaluationDetail, ClientOptions, ClientReason, ClientStatus, Context } from '../client/types.ts';

const ERROR_CODES: Record<string, ErrorCode> = {
  FLAG_NOT_FOUND: ErrorCode.FLAG_NOT_FOUND,
  WRONG_TYPE: ErrorCode.TYPE_MISMATCH,
  USER_NOT_SPECIFIED: ErrorCode.TARGETING_KEY_MISSING,
  MALFORMED_FLAG: ErrorCode.PARSE_ERROR,
  CLIENT_NOT_READY: ErrorCode.PROVIDER_NOT_READY,
  EXCEPTION: ErrorCode.GENERAL,
};

function reasonOf(reason: ClientReason): ResolutionReason {
  switch (reason.kind) {
    case 'TARGET_MATCH':
    case 'RULE_MATCH':
      return StandardResolutionReasons.TARGETING_MATCH;
    case 'FALLTHROUGH':
      return StandardResolutionReasons.DEFAULT;
    case 'OFF':
      return StandardResolutionReasons.DISABLED;
    case 'PREREQUISITE_FAILED':
      return 'PREREQUISITE_FAILED';
    case 'ERROR':
      return StandardResolutionReasons.ERROR;
  }
}

/** OpenFeature's `targetingKey` becomes the context `key`; Dates become epoch milliseconds. */
export function toSwitchyardContext(context: EvaluationContext): Context {
  const result: Context = {};
  for (const [name, value] of Object.entries(context ?? {})) {
    if (name === 'targetingKey') continue;
    result[name] = value instanceof Date ? value.getTime() : value;
  }
  const key = context?.targetingKey ?? (typeof context?.key === 'string' ? context.key : undefined);
  if (key === undefined) delete result.key;
  else result.key = key;
  return result;
}

export type SwitchyardProviderOptions = ClientOptions | { client: FlagsClient };

export class SwitchyardProvider implements Provider {
  readonly metadata = { name: 'Switchyard' } as const;
  readonly runsOn = 'server' as const;
  readonly events = new OpenFeatureEventEmitter();
  readonly client: FlagsClient;
  private readonly ownsClient: boolean;
  /** Whether the SDK considers us ready; Ready is emitted again only after a Stale or Error. */
  private healthy = false;
  private initialized = false;

  /** Pass client options (the provider creates and closes the client) or `{ client }` to share one you own. */
  constructor(options: SwitchyardProviderOptions) {
    if ('client' in options && options.client instanceof FlagsClient) {
      this.client = options.client;
      this.ownsClient = false;
    } else {
      this.client = new FlagsClient(options as ClientOptions);
      this.ownsClient = true;
    }
    this.client.on('change', (keys) => this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: keys }));
    this.client.on('ready', () => this.becomeHealthy());
    this.client.on('status', (status) => this.onStatus(status));
    this.client.on('error', (err) => {
      if (err instanceof StreamError && err.keyRejected) {
        this.healthy = false;
        this.events.emit(ProviderEvents.Error, { message: err.message });
      }
    });
  }

  async initialize(): Promise<void> {
    const ready = await this.client.ready();
    this.initialized = true;
    if (!ready) throw new Error(`Switchyard client not ready (status ${this.client.status}); serving defaults until rules arrive`);
    this.healthy = true;
  }

  async onClose(): Promise<void> {
    if (this.ownsClient) await this.client.close();
  }

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext): Promise<ResolutionDetails<boolean>> {
    return this.resolve(flagKey, defaultValue, context);
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext): Promise<ResolutionDetails<string>> {
    return this.resolve(flagKey, defaultValue, context);
  }

  async resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext): Promise<ResolutionDetails<number>> {
    return this.resolve(flagKey, defaultValue, context);
  }

  async resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<T>> {
    return this.resolve(flagKey, defaultValue, context);
  }

  /**
   * OpenFeature's tracking API: `client.track(name, context, { value })` becomes the Switchyard client's
   * `track(name, context, value)` (other details are not sent). Synchronous, never throws.
   */
  track(trackingEventName: string, context: EvaluationContext, trackingEventDetails?: TrackingEventDetails): void {
    try {
      this.client.track(trackingEventName, toSwitchyardContext(context), trackingEventDetails?.value);
    } catch {
      // tracking never fails the caller
    }
  }

  private resolve<T>(flagKey: string, defaultValue: T, context: EvaluationContext): ResolutionDetails<T> {
    return toResolution(this.client.variationDetail(flagKey, toSwitchyardContext(context), defaultValue), this.client.version);
  }

  private becomeHealthy(): void {
    if (this.healthy || !this.initialized) return;
    this.healthy = true;
    this.events.emit(ProviderEvents.Ready, { message: 'Switchyard rules are current' });
  }

  private onStatus(status: ClientStatus): void {
    if (status === 'streaming' || status === 'polling') {
      if (this.client.version !== undefined) this.becomeHealthy();
    } else if (status === 'offline' && this.healthy && !this.client.keyRejected) {
      this.healthy = false;
      this.events.emit(ProviderEvents.Stale, { message: 'Switchyard server unreachable; serving the last known rules' });
    }
  }
}

function toResolution<T>(detail: ClientEvaluationDetail<T>, version: number | undefined): ResolutionDetails<T> {
  const flagMetadata: FlagMetadata = {};
  if (version !== undefined) flagMetadata.snapshotVersion = version;
  if (detail.reason.kind === 'RULE_MATCH') {
    flagMetadata.ruleIndex = detail.reason.ruleIndex;
    flagMetadata.ruleId = detail.reason.ruleId;
  }
  if (detail.reason.kind === 'PREREQUISITE_FAILED') flagMetadata.prerequisiteKey = detail.reason.prerequisiteKey;
  if (detail.reason.kind === 'ERROR') {
    return {
      value: detail.value,
      reason: StandardResolutionReasons.ERROR,
      errorCode: ERROR_CODES[detail.reason.errorKind] ?? ErrorCode.GENERAL,
      errorMessage: `Switchyard: ${detail.reason.errorKind}`,
      flagMetadata,
    };
  }
  return {
    value: detail.value,
    reason: reasonOf(detail.reason),
    ...(detail.variationIndex === null ? {} : { variant: String(detail.variationIndex) }),
    flagMetadata,
  };
}

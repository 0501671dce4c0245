import type { HelloMessage, Patch, PingMessage, PongMessage, ResyncMessage } from '@switchyard/sdk/model';
import type { CachedSnapshot } from '../snapshots/snapshot-cache.ts';

/** A message serialized once and sent as is to every connection it concerns. */
export type Outgoing = {
  /** Connections at a version v with from <= v < to apply it (a snapshot: any v < to). */
  from: number;
  to: number;
  data: Buffer;
};

const snapshotMessages = new WeakMap<CachedSnapshot, Outgoing>();

/** One message per cached snapshot version, however many clients connect or resync. */
export function snapshotMessage(snapshot: CachedSnapshot): Outgoing {
  let message = snapshotMessages.get(snapshot);
  if (!message) {
    // The snapshot is already JSON: splice it in rather than parse and stringify it again.
    message = { from: -1, to: snapshot.version, data: Buffer.from(`{"type":"snapshot","snapshot":${snapshot.json}}`) };
    snapshotMessages.set(snapshot, message);
  }
  return message;
}

export function patchMessage(patch: Patch): Outgoing {
  return { from: patch.fromVersion, to: patch.version, data: Buffer.from(JSON.stringify({ type: 'patch', ...patch })) };
}

export const pingMessage = (t: number) => Buffer.from(`{"type":"ping","t":${t}}`);
export const pongMessage = (t: number) => Buffer.from(`{"type":"pong","t":${t}}`);

/** A client message as the server reads it: a pong's `t` is not needed, so not checked. */
export type ClientMessage = HelloMessage | PingMessage | Omit<PongMessage, 't'> | ResyncMessage;

/** A non-negative integer version, or undefined when absent or malformed (the client then gets a snapshot). */
export function parseVersion(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\d{1,12}$/.test(value.trim()) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The client messages the protocol knows; anything else (including invalid JSON) is null and ignored. */
export function parseClientMessage(raw: string): ClientMessage | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'hello':
      return typeof message.sdkKey === 'string' && message.sdkKey.length > 0
        ? { type: 'hello', sdkKey: message.sdkKey, version: parseVersion(message.version) }
        : null;
    case 'ping':
      return { type: 'ping', t: typeof message.t === 'number' && Number.isFinite(message.t) ? message.t : Date.now() };
    case 'pong':
      return { type: 'pong' };
    case 'resync':
      return { type: 'resync' };
    default:
      return null;
  }
}

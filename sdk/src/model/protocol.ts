/**
 * The stream protocol's messages and close codes (`GET /sdk/stream`; the contract is
 * server/src/streaming/PROTOCOL.md). Every frame is a JSON text frame holding one of these messages.
 */
import type { FlagDefinition } from './flag.ts';
import type { SegmentDefinition } from './segment.ts';
import type { Snapshot } from './snapshot.ts';

/**
 * What changed in versions (fromVersion, version]: the current definition of every flag and segment
 * that changed, null for one that is gone. A client at version v applies it when fromVersion <= v < version.
 */
export type Patch = {
  fromVersion: number;
  version: number;
  flags: Record<string, FlagDefinition | null>;
  segments: Record<string, SegmentDefinition | null>;
};

/** Server -> client: the whole state, which replaces the client's. */
export type SnapshotMessage = { type: 'snapshot'; snapshot: Snapshot };

/** Server -> client. With fromVersion = version and nothing in it: "the version you resumed from is current". */
export type PatchMessage = { type: 'patch' } & Patch;

/** Either way: a heartbeat carrying a timestamp (epoch milliseconds), answered with a pong carrying the same `t`. */
export type PingMessage = { type: 'ping'; t: number };
export type PongMessage = { type: 'pong'; t: number };

/** Client -> server, the first message (within 2 s) when the upgrade request carried no `Authorization`. `version` resumes. */
export type HelloMessage = { type: 'hello'; sdkKey: string; version?: number | undefined };

/** Client -> server after a gap (a patch whose fromVersion is above the client's version): the server answers with a snapshot. */
export type ResyncMessage = { type: 'resync' };

export type ServerMessage = SnapshotMessage | PatchMessage | PingMessage | PongMessage;
export type ClientMessage = HelloMessage | PingMessage | PongMessage | ResyncMessage;

/** The header of the upgrade request carrying the version the client has, to resume from it. */
export const VERSION_HEADER = 'X-Switchyard-Version';

/** Close codes of the stream. The reason of a close frame says more, in words (at most 123 bytes). */
export const CloseCode = {
  /** The server is shutting down: reconnect (to another replica). */
  shuttingDown: 1001,
  /** A text frame that is not valid UTF-8. */
  invalidUtf8: 1007,
  /** A client message over 64 KiB. */
  tooBig: 1009,
  /** An internal failure on the connection: reconnect. */
  internalError: 1011,
  /** The server holds too many connections awaiting their hello: reconnect with backoff. */
  tryAgainLater: 1013,
  /**
   * Bad or unknown key, a key of the wrong kind, no hello in time, a first message that is not a hello,
   * or the environment is gone: do not reconnect.
   */
  unauthorized: 4401,
  /** The key was revoked while connected: do not reconnect. */
  revoked: 4403,
  /** The connection's send buffer is over its limit: reconnect and resume. */
  tooSlow: 4408,
  /** Too many connections for this key on this replica. */
  tooManyConnections: 4409,
  /**
   * Too many failed authentications from this address (the reason ends `retry in <n> s`), or too many of
   * its connections awaiting their hello: reconnect no sooner than that.
   */
  rateLimited: 4429,
} as const;

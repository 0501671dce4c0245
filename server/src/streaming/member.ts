import type { Outgoing } from './messages.ts';

/**
 * A stream connection as its channel sees it. Connection implements it and knows its Channel; the
 * channel knows its members only through this, so channel.ts and connection.ts do not import each other.
 */
export interface ChannelMember {
  /** The environment version this client has; -1 before its first message. */
  readonly version: number;
  readonly open: boolean;
  /** Delivers a broadcast: at once when it applies to this client's version, else via a catch-up. */
  offer(message: Outgoing): void;
  /** Sends a message meant for this client alone and records the version it brings it to. */
  deliver(message: Outgoing): void;
  requestCatchUp(): void;
  close(code: number, reason: string): void;
}

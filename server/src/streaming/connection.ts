import type { WebSocket } from '@fastify/websocket';
import { CloseCode } from '@switchyard/sdk/model';
import type { Principal } from '../auth/principal.ts';
import type { Channel } from './channel.ts';
import type { ChannelMember } from './member.ts';
import type { Outgoing } from './messages.ts';

/** How long a connection closed for being too slow gets to take its close frame before it is cut. */
const SLOW_CLOSE_GRACE_MS = 1000;

/**
 * One stream client. Work that must happen in order (the first message, catch-ups, resyncs) runs
 * through a per-connection queue; broadcasts go straight to the socket when the queue is idle.
 */
export class Connection implements ChannelMember {
  principal: Principal | null = null;
  channel: Channel | null = null;
  /** The environment version this client has; -1 before its first message. */
  version = -1;
  lastSeen = Date.now();
  private queue: Promise<void> = Promise.resolve();
  private pending = 0;
  private catchUpQueued = false;

  constructor(
    readonly socket: WebSocket,
    private readonly maxBufferedBytes: number,
    private readonly onTaskError: (err: unknown, connection: Connection) => void,
  ) {}

  get open(): boolean {
    return this.socket.readyState === this.socket.OPEN;
  }

  /**
   * Sends unless the client is too far behind: when what it has not yet received is over the limit
   * it is closed with 4408 (it reconnects and resumes), so a stuck client never holds up the others
   * or grows the server's memory.
   */
  send(data: Buffer): boolean {
    if (!this.open) return false;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.close(CloseCode.tooSlow, 'too slow: send buffer full');
      setTimeout(() => this.socket.terminate(), SLOW_CLOSE_GRACE_MS).unref();
      return false;
    }
    this.socket.send(data, { binary: false });
    return true;
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === this.socket.CLOSED || this.socket.readyState === this.socket.CLOSING) return;
    this.socket.close(code, reason);
  }

  /** Runs `task` after the connection's earlier tasks. */
  enqueue(task: () => Promise<void>): void {
    this.pending++;
    this.queue = this.queue
      .then(() => (this.open ? task() : undefined))
      .catch((err: unknown) => this.onTaskError(err, this))
      .finally(() => {
        this.pending--;
      });
  }

  /** Delivers a broadcast: at once when it applies to this client's version, else via a catch-up. */
  offer(message: Outgoing): void {
    if (this.version >= message.to) return;
    if (this.pending === 0 && message.from <= this.version) {
      if (this.send(message.data)) this.version = message.to;
      return;
    }
    this.requestCatchUp();
  }

  /** Joins its environment's channel, once its first message is sent (so its version is known). */
  join(channel: Channel): void {
    this.channel = channel;
    channel.add(this);
  }

  requestCatchUp(): void {
    if (this.catchUpQueued || !this.channel) return;
    this.catchUpQueued = true;
    this.enqueue(async () => {
      this.catchUpQueued = false;
      await this.channel?.catchUp(this);
    });
  }

  /** Sends a message meant for this client alone and records the version it brings it to. */
  deliver(message: Outgoing): void {
    if (this.send(message.data)) this.version = message.to;
  }
}

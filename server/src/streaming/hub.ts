import type { WebSocket } from '@fastify/websocket';
import { CloseCode } from '@switchyard/sdk/model';
import type { FastifyBaseLogger } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import type { ChangeNotice } from '../changes/notice.ts';
import { Channel, type StreamSource } from './channel.ts';
import { Connection } from './connection.ts';
import { parseClientMessage, pingMessage, pongMessage, snapshotMessage } from './messages.ts';

export type HubLimits = {
  /** Server pings every interval; a client silent for two intervals is dropped. */
  heartbeatIntervalMs: number;
  /** A connection whose unsent data exceeds this is closed with 4408. */
  maxBufferedBytes: number;
  /** Per key and per replica; the next one is refused with 4409. */
  maxConnectionsPerKey: number;
  /** Time allowed for the `hello` message when the upgrade carried no key. */
  helloTimeoutMs: number;
};

export const DEFAULT_HUB_LIMITS: HubLimits = {
  heartbeatIntervalMs: 15_000,
  maxBufferedBytes: 1024 * 1024,
  maxConnectionsPerKey: 2000,
  helloTimeoutMs: 5_000,
};

export type HubDependencies = {
  /** Of the given token ids, those still active: the heartbeat's revocation safety net. */
  activeTokenIds(ids: readonly string[]): Promise<Set<string>>;
  source: StreamSource;
  authenticate(secret: string): Promise<Principal | null>;
  log: FastifyBaseLogger;
  limits: HubLimits;
};

/** Connections of this replica grouped by environment, heartbeats, and key revocation. */
export class StreamHub {
  private readonly channels = new Map<string, Channel>();
  private readonly connections = new Set<Connection>();
  private readonly byToken = new Map<string, Set<Connection>>();
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly toSync = new Set<Channel>();

  constructor(private readonly deps: HubDependencies) {}

  get connectionCount(): number {
    return this.connections.size;
  }

  start(): void {
    this.heartbeat = setInterval(() => void this.beat(), this.deps.limits.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /** Takes a freshly upgraded socket; `secret`/`version` come from the upgrade headers when present. */
  accept(socket: WebSocket, secret: string | null, version: number | undefined): void {
    const connection = new Connection(socket, this.deps.limits.maxBufferedBytes, (err, c) => {
      this.deps.log.error({ err }, 'stream connection task failed');
      c.close(1011, 'internal error');
    });
    this.connections.add(connection);
    let authenticating = false;
    const helloTimer = setTimeout(() => {
      if (!connection.principal) connection.close(CloseCode.unauthorized, 'no hello in time');
    }, this.deps.limits.helloTimeoutMs);
    helloTimer.unref();

    const authenticate = (key: string, resumeFrom: number | undefined) => {
      authenticating = true;
      connection.enqueue(async () => {
        const principal = await this.deps.authenticate(key);
        clearTimeout(helloTimer);
        if (!connection.open) return;
        if (!principal) return connection.close(CloseCode.unauthorized, 'unknown or revoked key');
        if (principal.kind !== 'server' || !principal.environmentKey) {
          return connection.close(CloseCode.unauthorized, 'the stream needs a server SDK key');
        }
        if ((this.byToken.get(principal.tokenId)?.size ?? 0) >= this.deps.limits.maxConnectionsPerKey) {
          return connection.close(CloseCode.tooManyConnections, 'too many connections for this key');
        }
        connection.principal = principal;
        this.trackToken(connection, principal.tokenId);
        await this.join(connection, principal.environmentKey, resumeFrom);
      });
    };

    socket.on('message', (data, isBinary) => {
      connection.lastSeen = Date.now();
      const message = isBinary ? null : parseClientMessage(data.toString());
      if (!message) return;
      switch (message.type) {
        case 'hello':
          if (!authenticating) authenticate(message.sdkKey, message.version);
          return;
        case 'ping':
          connection.send(pongMessage(message.t));
          return;
        case 'resync':
          if (connection.channel) connection.enqueue(() => this.resync(connection));
          return;
        case 'pong':
          return;
      }
    });
    socket.on('close', () => {
      clearTimeout(helloTimer);
      this.drop(connection);
    });
    if (secret) authenticate(secret, version);
  }

  /** Closes every connection of this replica that uses the token (revoked, or its environment deleted). */
  disconnectToken(tokenId: string, code: number = CloseCode.revoked): void {
    for (const connection of this.byToken.get(tokenId) ?? []) connection.close(code, 'key revoked');
  }

  onNotice(notice: ChangeNotice): void {
    if (notice.resourceType === 'token') {
      this.disconnectToken(notice.resourceKey);
      return;
    }
    const channel = this.channels.get(notice.environmentKey);
    if (!channel) return;
    if (notice.patch && notice.patch.version === notice.version) channel.receive(notice.patch);
    this.syncSoon(channel);
  }

  /**
   * Syncs on the next turn of the event loop: the notice of a local write is delivered before the
   * write's HTTP answer is sent, which should not wait for the fan-out; notices of one turn share it.
   */
  private syncSoon(channel: Channel): void {
    if (this.toSync.size === 0) {
      setImmediate(() => {
        const channels = [...this.toSync];
        this.toSync.clear();
        for (const c of channels) c.syncIfBehind();
      });
    }
    this.toSync.add(channel);
  }

  /** Syncs every channel behind the latest known version (after a version check or a bus reconnect). */
  reconcile(): void {
    for (const channel of this.channels.values()) channel.syncIfBehind();
  }

  /** Server shutdown: 1001 to everyone, then cut whoever has not closed after `graceMs`. */
  async shutdown(graceMs = 500): Promise<void> {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const connection of this.connections) connection.close(CloseCode.shuttingDown, 'server shutting down');
    const deadline = Date.now() + graceMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const connection of this.connections) connection.socket.terminate();
  }

  private async join(connection: Connection, environmentKey: string, resumeFrom: number | undefined): Promise<void> {
    let channel = this.channels.get(environmentKey);
    if (!channel) {
      channel = new Channel(
        environmentKey,
        this.deps.source,
        (gone) => this.closeChannel(gone),
        (err) => this.deps.log.warn({ err, environment: environmentKey }, 'stream channel could not sync; the periodic check retries'),
      );
      this.channels.set(environmentKey, channel);
    }
    const first = await channel.messageFrom(resumeFrom ?? -1);
    if (first === 'gone') return connection.close(CloseCode.unauthorized, 'environment no longer exists');
    if (!first) return;
    connection.deliver(first);
    if (!connection.open) return;
    // While we awaited, the channel may have been dropped (its last connection left) and replaced.
    channel = this.channels.get(environmentKey) ?? channel;
    this.channels.set(environmentKey, channel);
    connection.join(channel);
    connection.lastSeen = Date.now(); // heartbeats start now
  }

  private async resync(connection: Connection): Promise<void> {
    const channel = connection.channel;
    const snapshot = channel ? await this.deps.source.currentSnapshot(channel.environmentKey) : null;
    if (!channel || !snapshot) return;
    connection.deliver(snapshotMessage(snapshot));
    await channel.catchUp(connection);
  }

  private trackToken(connection: Connection, tokenId: string): void {
    let set = this.byToken.get(tokenId);
    if (!set) this.byToken.set(tokenId, (set = new Set()));
    set.add(connection);
  }

  private drop(connection: Connection): void {
    this.connections.delete(connection);
    const tokenId = connection.principal?.tokenId;
    const set = tokenId ? this.byToken.get(tokenId) : undefined;
    if (set && tokenId) {
      set.delete(connection);
      if (set.size === 0) this.byToken.delete(tokenId);
    }
    const channel = connection.channel;
    if (channel) {
      channel.remove(connection);
      const unused = channel.connections.size === 0 && this.channels.get(channel.environmentKey) === channel;
      if (unused) this.channels.delete(channel.environmentKey);
    }
  }

  private closeChannel(channel: Channel): void {
    for (const connection of channel.connections) connection.close(CloseCode.unauthorized, 'environment no longer exists');
    this.channels.delete(channel.environmentKey);
  }

  /** Heartbeat: drop silent clients, ping the others, and re-check every key in use (revocation safety net). */
  private async beat(): Promise<void> {
    const now = Date.now();
    const ping = pingMessage(now);
    const silentFor = 2 * this.deps.limits.heartbeatIntervalMs;
    for (const connection of this.connections) {
      if (!connection.channel) continue; // not yet joined: its first message must be the snapshot or patch
      if (now - connection.lastSeen > silentFor) connection.socket.terminate();
      else connection.send(ping);
    }
    const tokenIds = [...this.byToken.keys()];
    if (tokenIds.length === 0) return;
    try {
      const validIds = await this.deps.activeTokenIds(tokenIds);
      for (const id of tokenIds) if (!validIds.has(id)) this.disconnectToken(id);
    } catch (err) {
      this.deps.log.warn({ err }, 'could not re-validate stream keys');
    }
  }
}

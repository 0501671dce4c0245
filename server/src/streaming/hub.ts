import type { WebSocket } from '@fastify/websocket';
import { CloseCode } from '@switchyard/sdk/model';
import type { FastifyBaseLogger } from 'fastify';
import type { Principal } from '../auth/principal.ts';
import { TOKEN_KIND_NAMES } from '../auth/secrets.ts';
import type { ChangeNotice } from '../changes/notice.ts';
import { AwaitingHello, type AwaitingHelloLimits } from './awaiting-hello.ts';
import { Channel, type StreamSource } from './channel.ts';
import { Connection } from './connection.ts';
import { type ClientMessage, parseClientMessage, pingMessage, pongMessage, snapshotMessage } from './messages.ts';

export type HubLimits = AwaitingHelloLimits & {
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
  // A client sends its hello as soon as the socket opens: a round trip, not seconds.
  helloTimeoutMs: 2_000,
  maxAwaitingHelloPerAddress: 20,
  maxAwaitingHello: 1000,
};

export type HubDependencies = {
  /** Of the given token ids, those still active: the heartbeat's revocation safety net. */
  activeTokenIds(ids: readonly string[]): Promise<Set<string>>;
  environmentExists(environmentKey: string): Promise<boolean>;
  source: StreamSource;
  authenticate(secret: string): Promise<Principal | null>;
  /** Counts a failed authentication from `address`: null within the limit, else the seconds until it may try again. */
  recordAuthFailure(address: string): number | null;
  log: FastifyBaseLogger;
  limits: HubLimits;
};

/** What the upgrade request brought: the key and version from its headers (when present), and the client's address. */
export type Handshake = { secret: string | null; version: number | undefined; address: string };

const ENVIRONMENT_GONE = 'environment no longer exists';

/** Connections of this replica grouped by environment, heartbeats, key revocation and environment deletion. */
export class StreamHub {
  private readonly channels = new Map<string, Channel>();
  private readonly connections = new Set<Connection>();
  private readonly byToken = new Map<string, Set<Connection>>();
  private readonly awaitingHello: AwaitingHello;
  private heartbeat: NodeJS.Timeout | null = null;
  private readonly toSync = new Set<Channel>();

  constructor(private readonly deps: HubDependencies) {
    this.awaitingHello = new AwaitingHello(deps.limits);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  start(): void {
    this.heartbeat = setInterval(() => void this.beat(), this.deps.limits.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /**
   * Takes a freshly upgraded socket. Without a key in the upgrade its first message must be a `hello`
   * within helloTimeoutMs; until it presents a key it counts against the limits of sockets awaiting one.
   */
  accept(socket: WebSocket, handshake: Handshake): void {
    const { address } = handshake;
    let awaitingHello = handshake.secret === null;
    if (awaitingHello) {
      const refusal = this.awaitingHello.admit(address);
      if (refusal) {
        socket.close(refusal.code, refusal.reason);
        return;
      }
    }
    const connection = new Connection(socket, this.deps.limits.maxBufferedBytes, (err, c) => {
      this.deps.log.error({ err }, 'stream connection task failed');
      c.close(CloseCode.internalError, 'internal error');
    });
    this.connections.add(connection);
    const helloTimer = setTimeout(() => this.refuse(connection, address, 'no hello in time'), this.deps.limits.helloTimeoutMs).unref();
    // Keeps its place among the sockets awaiting a hello until it presents a key or closes (a refused one too).
    const keyPresented = () => {
      clearTimeout(helloTimer);
      if (awaitingHello) this.awaitingHello.release(address);
      awaitingHello = false;
    };

    socket.on('message', (data, isBinary) => {
      if (!connection.open) return;
      connection.lastSeen = Date.now();
      const message = isBinary ? null : parseClientMessage(data.toString());
      if (!awaitingHello) return this.answer(connection, message);
      if (message?.type !== 'hello') return this.refuse(connection, address, 'the first message must be a hello with an SDK key');
      keyPresented();
      this.authenticate(connection, address, message.sdkKey, message.version);
    });
    socket.on('close', () => {
      keyPresented();
      this.drop(connection);
    });
    if (handshake.secret) {
      keyPresented();
      this.authenticate(connection, address, handshake.secret, handshake.version);
    }
  }

  private authenticate(connection: Connection, address: string, key: string, resumeFrom: number | undefined): void {
    connection.enqueue(async () => {
      const principal = await this.deps.authenticate(key);
      if (!connection.open) return;
      if (!principal) return this.refuse(connection, address, 'unknown or revoked key');
      if (principal.kind !== 'server') {
        return connection.close(CloseCode.unauthorized, `the stream needs a server SDK key, not ${TOKEN_KIND_NAMES[principal.kind]}`);
      }
      if (!principal.environmentKey) return connection.close(CloseCode.unauthorized, ENVIRONMENT_GONE);
      if ((this.byToken.get(principal.tokenId)?.size ?? 0) >= this.deps.limits.maxConnectionsPerKey) {
        return connection.close(CloseCode.tooManyConnections, 'too many connections for this key');
      }
      connection.principal = principal;
      this.trackToken(connection, principal.tokenId);
      await this.join(connection, principal.environmentKey, resumeFrom);
    });
  }

  /** A message after the key was presented. Unknown and malformed ones are ignored. */
  private answer(connection: Connection, message: ClientMessage | null): void {
    switch (message?.type) {
      case 'ping': // answered once joined: the first message a client gets is always its state
        if (connection.channel) connection.send(pongMessage(message.t));
        return;
      case 'resync':
        if (connection.channel) connection.enqueue(() => this.resync(connection));
        return;
      default: // a second hello, a pong, or something unknown
        return;
    }
  }

  /** Closes every connection of this replica that uses the token. */
  disconnectToken(tokenId: string, code: number, reason: string): void {
    for (const connection of this.byToken.get(tokenId) ?? []) connection.close(code, reason);
  }

  onNotice(notice: ChangeNotice): void {
    switch (notice.resourceType) {
      case 'token':
        this.disconnectToken(notice.resourceKey, CloseCode.revoked, 'key revoked');
        return;
      case 'environment':
        this.environmentDeleted(notice.environmentKey, notice.tokenIds);
        return;
      case 'flag':
      case 'segment': {
        const channel = this.channels.get(notice.environmentKey);
        if (!channel) return;
        if (notice.patch && notice.patch.version === notice.version) channel.receive(notice.patch);
        this.syncSoon(channel);
        return;
      }
    }
  }

  /** Closes at once every connection of a deleted environment: those joined, and those still joining with one of its keys. */
  private environmentDeleted(environmentKey: string, tokenIds: readonly string[]): void {
    const channel = this.channels.get(environmentKey);
    if (channel) this.closeChannel(channel);
    for (const id of tokenIds) this.disconnectToken(id, CloseCode.unauthorized, ENVIRONMENT_GONE);
  }

  /** Closes a connection whose authentication failed, counting the failure against its address (4429 once over the limit). */
  private refuse(connection: Connection, address: string, reason: string): void {
    if (!connection.open) return;
    const retryAfter = this.deps.recordAuthFailure(address);
    if (retryAfter === null) connection.close(CloseCode.unauthorized, reason);
    else connection.close(CloseCode.rateLimited, `too many failed authentications from this address; retry in ${retryAfter} s`);
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
    const first = await this.channelFor(environmentKey).messageFrom(resumeFrom ?? -1);
    if (first === 'gone') return connection.close(CloseCode.unauthorized, ENVIRONMENT_GONE);
    if (!first) return;
    connection.deliver(first);
    if (!connection.open) return;
    // Not the channel read above: while we awaited, it may have been dropped (its last connection left) or closed.
    connection.join(this.channelFor(environmentKey));
    connection.lastSeen = Date.now(); // heartbeats start now
  }

  private channelFor(environmentKey: string): Channel {
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
    return channel;
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
    channel.close();
    for (const connection of channel.connections) connection.close(CloseCode.unauthorized, ENVIRONMENT_GONE);
    if (this.channels.get(channel.environmentKey) === channel) this.channels.delete(channel.environmentKey);
    this.toSync.delete(channel);
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
      for (const id of tokenIds) if (!validIds.has(id)) await this.disconnectInvalidToken(id);
    } catch (err) {
      this.deps.log.warn({ err }, 'could not re-validate stream keys');
    }
  }

  /** A key the heartbeat found no longer valid (its notice was lost): 4401 when its environment is gone, else 4403. */
  private async disconnectInvalidToken(tokenId: string): Promise<void> {
    const [connection] = this.byToken.get(tokenId) ?? [];
    const environmentKey = connection?.principal?.environmentKey;
    if (environmentKey && !(await this.deps.environmentExists(environmentKey))) {
      this.disconnectToken(tokenId, CloseCode.unauthorized, ENVIRONMENT_GONE);
    } else {
      this.disconnectToken(tokenId, CloseCode.revoked, 'key revoked');
    }
  }
}

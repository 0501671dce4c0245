/**
 * A small real HTTP + websocket server speaking the Switchyard SDK protocol (server/src/streaming/PROTOCOL.md),
 * with knobs the real server does not have (stop answering, refuse upgrades, send arbitrary frames),
 * so the client's behaviour under failures can be tested over real sockets.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';
import type { FlagDefinition, SegmentDefinition, Snapshot } from '../../../sdk/src/model/index.ts';

export function booleanFlag(key: string, on: boolean, version = 1, extra: Partial<FlagDefinition> = {}): FlagDefinition {
  return {
    key,
    kind: 'boolean',
    variations: [false, true],
    salt: key,
    version,
    clientSideAvailable: false,
    on,
    offVariation: 0,
    fallthrough: { variation: 1 },
    targets: [],
    rules: [],
    prerequisites: [],
    ...extra,
  };
}

export function segment(key: string, included: string[], version = 1): SegmentDefinition {
  return { key, included, excluded: [], rules: [], version };
}

export function snapshotOf(version: number, flags: FlagDefinition[], segments: SegmentDefinition[] = []): Snapshot {
  return {
    environment: 'production',
    version,
    flags: Object.fromEntries(flags.map((f) => [f.key, f])),
    segments: Object.fromEntries(segments.map((s) => [s.key, s])),
  };
}

export type Connection = { socket: WebSocket; headers: IncomingMessage['headers']; url: string; received: unknown[] };

type Change = { version: number; flags: Record<string, FlagDefinition | null>; segments: Record<string, SegmentDefinition | null> };

export class ProtocolServer {
  readonly connections: Connection[] = [];
  readonly httpRequests: { url: string; headers: IncomingMessage['headers']; status: number }[] = [];
  state: Snapshot;
  /** Upgrade requests are answered with this HTTP status instead of being accepted. */
  refuseUpgradesWith: number | undefined;
  /** Snapshot polls are answered with this status. */
  failSnapshotWith: number | undefined;
  /** When false the server sends no pings. */
  pings = true;
  readonly sentPings: number[] = [];
  private readonly history: Change[] = [];
  private readonly validKeys: Set<string>;
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private pingTimer: NodeJS.Timeout | undefined;

  private constructor(initial: Snapshot, keys: string[], heartbeatMs: number) {
    this.state = initial;
    this.validKeys = new Set(keys);
    this.wss = new WebSocketServer({ noServer: true });
    this.http = createServer((req, res) => {
      const status = this.answerHttp(req);
      this.httpRequests.push({ url: req.url ?? '', headers: req.headers, status: status.code });
      res.writeHead(status.code, status.headers);
      res.end(status.body);
    });
    this.http.on('upgrade', (req, socket, head) => {
      const status = this.refuseUpgradesWith ?? (this.authorized(req) ? undefined : 401);
      if (status !== undefined) {
        socket.end(`HTTP/1.1 ${status} Refused\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
    });
    this.pingTimer = setInterval(() => {
      if (!this.pings) return;
      const t = Date.now() * 1000 + this.sentPings.length;
      this.sentPings.push(t);
      for (const c of this.open()) c.socket.send(JSON.stringify({ type: 'ping', t }));
    }, heartbeatMs);
  }

  static async start(options: { snapshot: Snapshot; keys?: string[]; heartbeatMs?: number }): Promise<ProtocolServer> {
    const server = new ProtocolServer(options.snapshot, options.keys ?? ['sdk-key'], options.heartbeatMs ?? 15_000);
    await new Promise<void>((resolve) => server.http.listen(0, '127.0.0.1', resolve));
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`;
  }

  open(): Connection[] {
    return this.connections.filter((c) => c.socket.readyState === c.socket.OPEN);
  }

  /** Records a change (new version) and, unless `broadcast` is false, sends it as a patch to every open connection. */
  change(
    change: { flags?: Record<string, FlagDefinition | null>; segments?: Record<string, SegmentDefinition | null> },
    broadcast = true,
  ): number {
    const from = this.state.version;
    const next: Change = { version: from + 1, flags: change.flags ?? {}, segments: change.segments ?? {} };
    const flags = { ...this.state.flags };
    for (const [k, v] of Object.entries(next.flags)) v ? (flags[k] = v) : delete flags[k];
    const segments = { ...this.state.segments };
    for (const [k, v] of Object.entries(next.segments)) v ? (segments[k] = v) : delete segments[k];
    this.state = { ...this.state, version: next.version, flags, segments };
    this.history.push(next);
    if (broadcast) this.sendAll({ type: 'patch', fromVersion: from, version: next.version, flags: next.flags, segments: next.segments });
    return next.version;
  }

  sendAll(message: unknown): void {
    for (const c of this.open()) c.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  closeAll(code: number, reason = ''): void {
    for (const c of this.open()) c.socket.close(code, reason);
  }

  /** Ends every connection abruptly (as a crashed server or a cut network would). */
  dropAll(): void {
    for (const c of this.open()) c.socket.terminate();
  }

  async waitFor(check: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('condition not reached in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  async close(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const c of this.connections) c.socket.terminate();
    this.wss.close();
    this.http.closeAllConnections();
    await new Promise((resolve) => this.http.close(resolve));
  }

  private authorized(req: IncomingMessage): boolean {
    const match = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return match !== null && this.validKeys.has(match[1]!);
  }

  private answerHttp(req: IncomingMessage): { code: number; headers?: Record<string, string>; body?: string } {
    if (req.url !== '/sdk/snapshot') return { code: 404 };
    if (!this.authorized(req)) return { code: 401 };
    if (this.failSnapshotWith) return { code: this.failSnapshotWith };
    const etag = `"${this.state.version}"`;
    if (req.headers['if-none-match'] === etag) return { code: 304, headers: { etag } };
    return { code: 200, headers: { etag, 'content-type': 'application/json' }, body: JSON.stringify(this.state) };
  }

  private accept(socket: WebSocket, req: IncomingMessage): void {
    const connection: Connection = { socket, headers: req.headers, url: req.url ?? '', received: [] };
    this.connections.push(connection);
    socket.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; t?: unknown };
      connection.received.push(message);
      if (message.type === 'resync') socket.send(JSON.stringify({ type: 'snapshot', snapshot: this.state }));
      if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong', t: message.t }));
    });
    const header = req.headers['x-switchyard-version'];
    const version = typeof header === 'string' ? Number(header) : undefined;
    socket.send(JSON.stringify(this.resumeMessage(version)));
  }

  private resumeMessage(version: number | undefined): unknown {
    const current = this.state.version;
    if (version === undefined || version > current) return { type: 'snapshot', snapshot: this.state };
    const missed = this.history.filter((c) => c.version > version);
    if (version !== current && (missed.length === 0 || missed[0]!.version !== version + 1))
      return { type: 'snapshot', snapshot: this.state };
    const flags: Change['flags'] = {};
    const segments: Change['segments'] = {};
    for (const c of missed) {
      Object.assign(flags, c.flags);
      Object.assign(segments, c.segments);
    }
    return { type: 'patch', fromVersion: version, version: current, flags, segments };
  }
}

/**
 * One logical stream to `/sdk/stream`: connects, answers pings, watches for silence, and reconnects
 * with backoff until closed or until the server rejects the key (4401/4403), which is final. A 4429
 * (too many failed authentications from this address) waits as long as the server says.
 */
import { WebSocket as WsWebSocket } from 'ws';
import { type ClientMessage, CloseCode, type ServerMessage, VERSION_HEADER } from '../model/index.ts';
import type { Backoff } from './backoff.ts';
import { parseServerMessage } from './messages.ts';
import type { WebSocketConstructor } from './types.ts';

type StreamOptions = {
  url: string;
  sdkKey: string;
  heartbeatMs: number;
  backoff: Backoff;
  stableAfterMs: number;
  WebSocket?: WebSocketConstructor | undefined;
  /** The version the client has, sent on (re)connection so the server can send only what is missing. */
  version(): number | undefined;
  onOpen(): void;
  onMessage(message: ServerMessage): void;
  /** The connection failed or dropped; a reconnection is scheduled. */
  onDown(error: Error): void;
  /** The server refused the key: no more attempts. */
  onRejected(error: Error): void;
};

/**
 * A connection problem; `code` is the websocket close code or HTTP status when there is one, and
 * `reason` the server's own words (a close frame's reason, or an error answer's message) when it gave any.
 */
export class StreamError extends Error {
  constructor(
    message: string,
    readonly code?: number,
    readonly reason?: string,
  ) {
    super(message);
    this.name = 'StreamError';
  }

  /** The server refused or revoked the key: the client stopped trying. */
  get keyRejected(): boolean {
    const code = this.code;
    return code === CloseCode.unauthorized || code === CloseCode.revoked || code === 401 || code === 403;
  }
}

/** The server's words for the application: printable, and short (a close reason is at most 123 bytes anyway). */
export function serverReason(text: string): string | undefined {
  const cleaned = text
    .replace(/[\p{Cc}\p{Cf}]+/gu, ' ')
    .trim()
    .slice(0, 200);
  return cleaned.length > 0 ? cleaned : undefined;
}

/** The wait a 4429 close asks for: its reason ends `retry in <n> s`. */
function retryAfterMs(reason: string | undefined): number | undefined {
  const seconds = /retry in (\d{1,5}) s$/.exec(reason ?? '')?.[1];
  return seconds === undefined ? undefined : Number(seconds) * 1000;
}

function streamUrl(base: string): string {
  const url = new URL(base.endsWith('/') ? base : `${base}/`);
  url.protocol = url.protocol === 'https:' || url.protocol === 'wss:' ? 'wss:' : 'ws:';
  return new URL('sdk/stream', url).toString();
}

export class StreamConnection {
  private socket: WsWebSocket | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private stableTimer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: StreamOptions) {}

  get isOpen(): boolean {
    return this.socket?.readyState === WsWebSocket.OPEN;
  }

  start(): void {
    if (!this.stopped && !this.socket && !this.reconnectTimer) this.connect();
  }

  send(message: ClientMessage): void {
    if (this.socket?.readyState === WsWebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.dropSocket();
  }

  private connect(): void {
    const { sdkKey, heartbeatMs } = this.options;
    const headers: Record<string, string> = { Authorization: `Bearer ${sdkKey}` };
    const version = this.options.version();
    if (version !== undefined) headers[VERSION_HEADER] = String(version);
    const Ctor = this.options.WebSocket ?? (WsWebSocket as unknown as WebSocketConstructor);
    let socket: WsWebSocket;
    try {
      socket = new Ctor(streamUrl(this.options.url), { headers, handshakeTimeout: 10_000 });
    } catch (err) {
      this.down(new StreamError(`cannot open the stream: ${(err as Error).message}`));
      return;
    }
    this.socket = socket;
    let httpStatus: number | undefined;
    let failure: Error | undefined;

    socket.on('unexpected-response', (_req, res) => {
      httpStatus = res.statusCode;
      res.resume();
      socket.terminate();
    });
    socket.on('error', (err) => {
      failure ??= err;
    });
    socket.on('open', () => {
      const silenceMs = 2 * heartbeatMs + 5000;
      this.silenceTimer = setTimeout(() => {
        failure = new Error(`nothing heard from the server for ${silenceMs} ms`);
        if (socket === this.socket) socket.terminate();
      }, silenceMs);
      this.stableTimer = setTimeout(() => this.options.backoff.reset(), this.options.stableAfterMs);
      this.options.onOpen();
    });
    socket.on('ping', () => this.silenceTimer?.refresh());
    socket.on('message', (data, isBinary) => {
      if (socket !== this.socket) return;
      this.silenceTimer?.refresh();
      if (isBinary) return;
      const message = parseServerMessage(data.toString());
      if (!message) return;
      if (message.type === 'ping') this.send({ type: 'pong', t: message.t });
      this.options.onMessage(message);
    });
    socket.on('close', (code, reasonBytes) => {
      if (socket !== this.socket) return;
      this.dropSocket();
      if (this.stopped) return;
      const status = httpStatus ?? code;
      const reason = httpStatus === undefined ? serverReason(reasonBytes.toString()) : undefined;
      const said = reason ? ` (${reason})` : '';
      const verb = status === CloseCode.revoked || status === 403 ? 'revoked' : 'refused';
      const rejection = new StreamError(`the SDK key was ${verb} by the server${said}; the stream will not reconnect`, status, reason);
      if (rejection.keyRejected) {
        this.stopped = true;
        this.options.onRejected(rejection);
        return;
      }
      const detail = httpStatus !== undefined ? `HTTP ${httpStatus}` : failure ? failure.message : `closed with ${code}${said}`;
      const waitMs = status === CloseCode.rateLimited ? (retryAfterMs(reason) ?? this.options.backoff.ceilingMs) : 0;
      this.down(new StreamError(`stream unavailable (${detail})`, status, reason), waitMs);
    });
  }

  /** Reconnects after the backoff's delay, or after `atLeastMs` when the server asked for a longer wait. */
  private down(error: Error, atLeastMs = 0): void {
    this.options.onDown(error);
    if (this.stopped) return;
    this.reconnectTimer = setTimeout(
      () => {
        this.reconnectTimer = undefined;
        if (!this.stopped) this.connect();
      },
      Math.max(atLeastMs, this.options.backoff.next()),
    );
  }

  private dropSocket(): void {
    clearTimeout(this.silenceTimer);
    clearTimeout(this.stableTimer);
    this.silenceTimer = this.stableTimer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (socket && socket.readyState !== WsWebSocket.CLOSED) {
      socket.removeAllListeners('message');
      socket.on('error', () => undefined);
      socket.terminate();
    }
  }
}

import type { ServerResponse } from 'node:http';
import type { ChangeNotice } from '../changes/notice.ts';

export type EventStreamSettings = {
  /** A comment line is sent this often on every stream, so proxies and load balancers keep it open. */
  heartbeatIntervalMs: number;
  /** A stream whose unsent data exceeds this is closed (a client that stopped reading). */
  maxBufferedBytes: number;
};

export const DEFAULT_EVENT_STREAM_SETTINGS: EventStreamSettings = { heartbeatIntervalMs: 15_000, maxBufferedBytes: 64 * 1024 };

type Stream = { response: ServerResponse; tokenId: string };
type Channel = { streams: Set<Stream>; version: number };

const HEARTBEAT = ': heartbeat\n\n';
/** How long EventSource waits before reconnecting after a drop (its default is browser-specific). */
const RETRY = 'retry: 3000\n';

/** The refetch event for an environment at `version`; its id is what a reconnecting client sends back as Last-Event-ID. */
export const refetchEvent = (version: number) => `id: ${version}\ndata: {"type":"refetchEvaluation","etag":"${version}"}\n\n`;

/**
 * This replica's OFREP event streams (server-sent events), grouped by environment: one change notice
 * becomes one serialized event written to every stream of its environment. A stream costs its socket
 * and two small objects; one timer sends every heartbeat.
 */
export class EventStreams {
  private readonly channels = new Map<string, Channel>();
  private heartbeat: NodeJS.Timeout | null = null;
  private count = 0;

  constructor(
    private readonly settings: EventStreamSettings,
    /** The version each environment is known to be at, to catch up after notices were lost (Redis reconnect). */
    private readonly latestVersion: (environmentKey: string) => number | undefined,
  ) {}

  get openStreams(): number {
    return this.count;
  }

  start(): void {
    this.heartbeat = setInterval(() => this.beat(), this.settings.heartbeatIntervalMs);
    this.heartbeat.unref();
  }

  /**
   * Adds a stream whose headers were sent. It is told its environment's `version` (as the id a reconnect
   * sends back), and gets a refetch at once unless `lastEventId` says it already has that version: a
   * client connecting without one may have missed a change since its last bulk answer.
   */
  open(response: ServerResponse, environmentKey: string, tokenId: string, version: number, lastEventId: string | undefined): void {
    // Gone while its token was checked: its 'close' has already fired, so it would never leave the channel.
    if (response.destroyed || response.socket?.destroyed !== false) return;
    let channel = this.channels.get(environmentKey);
    if (!channel) this.channels.set(environmentKey, (channel = { streams: new Set(), version }));
    channel.version = Math.max(channel.version, version);
    const stream: Stream = { response, tokenId };
    channel.streams.add(stream);
    this.count++;
    response.on('close', () => this.remove(environmentKey, stream));
    const seen = lastEventId !== undefined && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : -1;
    const first = seen >= channel.version ? `${RETRY}id: ${channel.version}\n\n` : `${RETRY}${refetchEvent(channel.version)}`;
    this.write(stream, first);
  }

  onNotice(notice: ChangeNotice): void {
    switch (notice.resourceType) {
      case 'flag':
      case 'segment':
        this.advance(notice.environmentKey, notice.version);
        return;
      case 'token':
        this.closeWhere((stream) => stream.tokenId === notice.resourceKey);
        return;
      case 'environment':
        this.closeEnvironment(notice.environmentKey);
        return;
    }
  }

  /** After a version check: environments whose known version passed what their streams were told get their event now. */
  reconcile(): void {
    for (const key of this.channels.keys()) {
      const version = this.latestVersion(key);
      if (version !== undefined) this.advance(key, version);
    }
  }

  /** Ends every stream (shutdown): clients reconnect, to another replica if this one is going away. */
  closeAll(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.closeWhere(() => true);
  }

  private advance(environmentKey: string, version: number): void {
    const channel = this.channels.get(environmentKey);
    if (!channel || version <= channel.version) return;
    channel.version = version;
    const event = refetchEvent(version);
    for (const stream of channel.streams) this.write(stream, event);
  }

  private closeEnvironment(environmentKey: string): void {
    const channel = this.channels.get(environmentKey);
    if (!channel) return;
    for (const stream of channel.streams) stream.response.end();
  }

  private closeWhere(predicate: (stream: Stream) => boolean): void {
    for (const channel of this.channels.values()) {
      for (const stream of channel.streams) if (predicate(stream)) stream.response.end();
    }
  }

  private beat(): void {
    for (const channel of this.channels.values()) for (const stream of channel.streams) this.write(stream, HEARTBEAT);
  }

  private write(stream: Stream, text: string): void {
    const { response } = stream;
    if (response.writableEnded) return;
    if (response.writableLength > this.settings.maxBufferedBytes) {
      response.destroy();
      return;
    }
    response.write(text);
  }

  private remove(environmentKey: string, stream: Stream): void {
    const channel = this.channels.get(environmentKey);
    if (!channel?.streams.delete(stream)) return;
    this.count--;
    if (channel.streams.size === 0) this.channels.delete(environmentKey);
  }
}

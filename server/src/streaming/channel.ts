import type { Patch } from '@switchyard/sdk/model';
import type { CachedSnapshot } from '../snapshots/snapshot-cache.ts';
import type { ChannelMember } from './member.ts';
import { type Outgoing, patchMessage, snapshotMessage } from './messages.ts';

/** Where a channel reads what it sends. */
export type StreamSource = {
  currentSnapshot(environmentKey: string): Promise<CachedSnapshot | null>;
  loadPatch(environmentKey: string, fromVersion: number): Promise<Patch | null>;
  /** The latest version known to this process (notices and the periodic database check). */
  latestVersion(environmentKey: string): number | undefined;
  observe(environmentKey: string, version: number): void;
};

const MAX_CATCH_UP_ROUNDS = 5;
/** Carried patches kept while a database read is in flight; more means notices far ahead of what was served. */
const MAX_CARRIED = 16;

/**
 * The stream connections of one environment on this replica. When the environment advances, the
 * channel builds one message for the versions (served, latest] (a patch, or a snapshot when a
 * patch cannot say it), serializes it once and offers it to every connection. A patch carried by a
 * change notice is used as is when it continues what was served; otherwise (a notice lost, out of
 * order, or without a patch) the message is read from the database. Invariant: every connection that
 * is not busy catching up is at a version >= `served`.
 */
export class Channel {
  readonly connections = new Set<ChannelMember>();
  /** The version this channel last broadcast (or its first connection's version). */
  served: number | null = null;
  private last: Outgoing | null = null;
  private syncing = false;
  private dirty = false;
  private carried: Patch[] = [];
  /** Set when its environment was deleted: a read still in flight then sends nothing and records no version. */
  private closed = false;

  constructor(
    readonly environmentKey: string,
    private readonly source: StreamSource,
    private readonly onGone: (channel: Channel) => void,
    private readonly onError: (err: unknown) => void,
  ) {}

  /** Adds a connection that has just received its first message (so its version is known); see Connection.join. */
  add(connection: ChannelMember): void {
    this.connections.add(connection);
    if (this.served === null) this.served = connection.version;
    else if (connection.version < this.served) connection.requestCatchUp();
    this.syncIfBehind();
  }

  remove(connection: ChannelMember): void {
    this.connections.delete(connection);
  }

  close(): void {
    this.closed = true;
  }

  /** A patch that came with a change notice; sent without reading the database when it applies. */
  receive(patch: Patch): void {
    if (this.served === null || patch.version <= this.served || patch.fromVersion >= patch.version) return;
    this.carried.push(patch);
    if (this.carried.length > MAX_CARRIED) this.carried.shift();
  }

  syncIfBehind(): void {
    const latest = this.source.latestVersion(this.environmentKey);
    if (this.served !== null && latest !== undefined && latest > this.served) void this.sync();
  }

  /** Brings the channel (and its connections) to the latest version; concurrent calls coalesce. */
  async sync(): Promise<void> {
    if (this.syncing) {
      this.dirty = true;
      return;
    }
    this.syncing = true;
    try {
      do {
        this.dirty = false;
        await this.advance();
      } while (this.dirty);
    } catch (err) {
      // The periodic reconcile retries.
      this.onError(err);
    } finally {
      this.syncing = false;
    }
  }

  private async advance(): Promise<void> {
    const served = this.served;
    const latest = this.source.latestVersion(this.environmentKey);
    if (served === null || latest === undefined || latest <= served) return;
    const carried = this.takeCarried(served);
    const message = carried ? patchMessage(carried) : await this.messageFrom(served);
    if (this.closed) return;
    if (message === 'gone') return this.onGone(this);
    if (!message || message.to <= served) return;
    this.last = message;
    this.served = message.to;
    this.source.observe(this.environmentKey, message.to);
    for (const connection of this.connections) connection.offer(message);
    if (carried && this.served < latest) this.dirty = true; // a later version is known: continue (carried or from the database)
  }

  /** The carried patch reaching furthest among those that apply at `served` (a <= served < b); drops the outdated. */
  private takeCarried(served: number): Patch | undefined {
    if (this.carried.length === 0) return undefined;
    this.carried = this.carried.filter((p) => p.version > served);
    let best: Patch | undefined;
    for (const patch of this.carried) if (patch.fromVersion <= served && (!best || patch.version > best.version)) best = patch;
    return best;
  }

  /** Brings one connection that fell behind the channel up to it. Runs in the connection's queue. */
  async catchUp(connection: ChannelMember): Promise<void> {
    for (let round = 0; round < MAX_CATCH_UP_ROUNDS; round++) {
      if (this.served === null || connection.version >= this.served || !connection.open) return;
      const last = this.last;
      if (last && last.to === this.served && last.from <= connection.version) {
        connection.deliver(last);
        continue;
      }
      const message = await this.messageFrom(connection.version);
      if (this.closed) return;
      if (message === 'gone') return this.onGone(this);
      if (!message || message.to <= connection.version) return;
      this.source.observe(this.environmentKey, message.to);
      connection.deliver(message);
    }
  }

  /** What a client at `version` needs: a patch when the change log allows it, else a snapshot. */
  async messageFrom(version: number): Promise<Outgoing | 'gone' | null> {
    const patch = version >= 0 ? await this.source.loadPatch(this.environmentKey, version) : null;
    if (patch) return patchMessage(patch);
    const snapshot = await this.source.currentSnapshot(this.environmentKey);
    return snapshot ? snapshotMessage(snapshot) : 'gone';
  }
}

import type { FlagsClient } from '@switchyard/sdk';

type Toggle = { value: boolean; sentAt: number; answeredAt: number | null; seenAt: Float64Array };

/**
 * When each SDK client saw each toggle of one boolean flag (whose value is its `on`). A patch carries
 * the current state, so a client that jumps over several toggles at once saw all of them then.
 * Times are performance.now() in this process: the clients and the toggles share one clock.
 */
export class PropagationTracker {
  private readonly toggles: Toggle[] = [];
  private readonly lastSeen: Int32Array;

  constructor(
    private readonly clients: FlagsClient[],
    flagKey: string,
  ) {
    this.lastSeen = new Int32Array(clients.length).fill(-1);
    const context = { key: 'soak-observer' };
    clients.forEach((client, i) => {
      client.on('change', (keys) => {
        if (keys.includes(flagKey)) this.seen(i, client.isEnabled(flagKey, context), performance.now());
      });
    });
  }

  /** Call just before sending the toggle; returns its index. */
  sending(value: boolean): number {
    this.toggles.push({ value, sentAt: performance.now(), answeredAt: null, seenAt: new Float64Array(this.clients.length) });
    return this.toggles.length - 1;
  }

  answered(index: number): void {
    this.toggles[index]!.answeredAt = performance.now();
  }

  /**
   * Latencies (ms from the toggle's HTTP response to each client's receipt; 0 when a client had it
   * before the response reached us) of the answered toggles sent in [from, to), and how many
   * client x toggle pairs were not seen within `missAfterMs` of the answer.
   */
  window(from: number, to: number, missAfterMs: number, now = performance.now()): { latencies: number[]; missed: number; toggles: number } {
    const latencies: number[] = [];
    let missed = 0;
    let toggles = 0;
    for (const t of this.toggles) {
      if (t.sentAt < from || t.sentAt >= to || t.answeredAt === null) continue;
      toggles++;
      for (const seen of t.seenAt) {
        if (seen > 0) latencies.push(Math.max(0, seen - t.answeredAt));
        else if (now - t.answeredAt > missAfterMs) missed++;
      }
    }
    return { latencies, missed, toggles };
  }

  private seen(client: number, value: boolean, at: number): void {
    for (let k = this.toggles.length - 1; k > this.lastSeen[client]!; k--) {
      if (this.toggles[k]!.value !== value) continue;
      for (let j = this.lastSeen[client]! + 1; j <= k; j++) this.toggles[j]!.seenAt[client] = at;
      this.lastSeen[client] = k;
      return;
    }
  }
}

/** Flags of every kind and every reason, and a reader of server-sent events, for the OFREP tests. */
import type { TestApp } from '../../helpers/app.ts';

async function api(t: TestApp, method: string, url: string, body?: unknown): Promise<any> {
  const res = await t.request(method, url, body === undefined ? {} : { body });
  if (res.statusCode >= 300) throw new Error(`${method} ${url} answered ${res.statusCode}: ${res.body}`);
  return res.json();
}

const config = (extra: Record<string, unknown>) => ({
  on: true,
  offVariation: 0,
  fallthrough: { variation: 0 },
  targets: [],
  rules: [],
  prerequisites: [],
  ...extra,
});

/**
 * In `production`, client-side available unless said otherwise:
 * - `banner` (boolean, on, no targeting): true, STATIC
 * - `checkout-copy` (string): "Purchase" for staff emails (rule `staff`, TARGETING_MATCH), "Buy now" otherwise (DEFAULT)
 * - `max-items` (number): a 50/50 rollout between 10 and 20 (SPLIT)
 * - `theme` (json, off): { "color": "grey" } (DISABLED)
 * - `beta-gate` (boolean): prerequisite `theme` serving variation 1, which it does not: off variation false (PREREQUISITE_FAILED)
 * - `vip-list` (boolean): true for the target `user-vip` (TARGETING_MATCH)
 * - `internal-only` (boolean, on, not client-side available): true
 */
export async function createEveryKindOfFlag(t: TestApp): Promise<void> {
  const flags: [string, Record<string, unknown>, Record<string, unknown>][] = [
    ['banner', { kind: 'boolean', variations: [false, true] }, { fallthrough: { variation: 1 } }],
    [
      'checkout-copy',
      { kind: 'string', variations: ['Buy now', 'Purchase'] },
      { rules: [{ id: 'staff', clauses: [{ attribute: 'email', op: 'endsWith', values: ['@ourcompany.com'] }], variation: 1 }] },
    ],
    [
      'max-items',
      { kind: 'number', variations: [10, 20] },
      {
        fallthrough: {
          rollout: {
            variations: [
              { variation: 0, weight: 50_000 },
              { variation: 1, weight: 50_000 },
            ],
          },
        },
      },
    ],
    ['theme', { kind: 'json', variations: [{ color: 'grey' }, { color: 'teal' }] }, { on: false }],
    [
      'beta-gate',
      { kind: 'boolean', variations: [false, true] },
      { fallthrough: { variation: 1 }, prerequisites: [{ key: 'theme', variation: 1 }] },
    ],
    ['vip-list', { kind: 'boolean', variations: [false, true] }, { targets: [{ variation: 1, values: ['user-vip'] }] }],
  ];
  for (const [key, flag, extra] of flags) {
    await api(t, 'POST', '/api/flags', { key, name: key, clientSideAvailable: true, ...flag });
    await api(t, 'PUT', `/api/flags/${key}/environments/production`, config(extra));
  }
  await api(t, 'POST', '/api/flags', { key: 'internal-only', name: 'internal-only', kind: 'boolean', variations: [false, true] });
  await api(t, 'PUT', '/api/flags/internal-only/environments/production', config({ fallthrough: { variation: 1 } }));
}

export async function toggle(t: TestApp, flag: string, on: boolean): Promise<void> {
  await api(t, 'POST', `/api/flags/${flag}/environments/production/toggle`, { on });
}

/** One server-sent event as the browser's EventSource would see it (comments kept apart). */
export type SseEvent = { id?: string; data?: string; retry?: string };

/** Reads a text/event-stream answer: events and comment lines, as they arrive. */
export class SseReader {
  readonly events: SseEvent[] = [];
  readonly comments: string[] = [];
  private buffer = '';
  private waiters = new Set<() => void>();
  readonly done: Promise<void>;

  constructor(
    readonly response: Response,
    private readonly abort: () => void = () => {},
  ) {
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    this.done = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          this.take(value);
        }
      } catch {
        // aborted by the test
      }
      for (const wake of this.waiters) wake();
    })();
  }

  /** Closes the stream from this side, as a browser leaving the page would. */
  close(): void {
    this.abort();
  }

  /** Waits for the `n`th event (1-based) and returns it. */
  async event(n: number, timeoutMs = 10_000): Promise<SseEvent> {
    const deadline = Date.now() + timeoutMs;
    while (this.events.length < n) {
      if (Date.now() > deadline) throw new Error(`no event #${n} within ${timeoutMs} ms (got ${JSON.stringify(this.events)})`);
      await new Promise<void>((resolve) => {
        this.waiters.add(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.events[n - 1]!;
  }

  private take(chunk: string): void {
    this.buffer += chunk;
    let end = this.buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const event: SseEvent = {};
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
        else {
          const colon = line.indexOf(':');
          const field = line.slice(0, colon) as keyof SseEvent;
          event[field] = line.slice(colon + 1).trimStart();
        }
      }
      if (Object.keys(event).length > 0) this.events.push(event);
      end = this.buffer.indexOf('\n\n');
    }
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }
}

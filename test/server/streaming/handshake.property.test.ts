/**
 * Generated hostile stream handshakes and first messages against a real server over TCP. Every upgrade
 * is answered 101 or 4xx (never 5xx); a websocket without a valid key is closed with a documented code
 * (PROTOCOL.md) and never gets a message; a valid key is accepted only from the Authorization header or
 * a hello, never from the URL; nothing is logged as an error; no prototype is polluted; and a valid key
 * still connects afterwards.
 */
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCode } from '../../../sdk/src/model/protocol.ts';
import type { TestApp } from '../../helpers/app.ts';
import { rawUpgrade, validWebSocketKey } from './raw-upgrade.ts';
import { type Replica, StreamClient, startStreamingApp } from './stream-kit.ts';

const RUNS = 100;
const HELLO_TIMEOUT_MS = 300;
/** Time for any socket to be settled: refused at once, or at its hello deadline. */
const SETTLED_MS = HELLO_TIMEOUT_MS + 2000;
/** What a socket without a valid key may be closed with. */
const REFUSALS: number[] = [CloseCode.unauthorized, CloseCode.rateLimited, CloseCode.invalidUtf8, CloseCode.tooBig];

let t: TestApp;
let server: Replica;
let port: number;
let serverKey: string;
const logged: { level: number; msg?: string; err?: unknown }[] = [];

beforeAll(async () => {
  const stream = { write: (line: string) => logged.push(JSON.parse(line)) };
  ({ t, replica: server } = await startStreamingApp({
    redis: false,
    logger: { level: 'info', stream },
    // Every run fails authentication from this address: the limiter has tests of its own (auth-rate-limit.test.ts).
    authRateLimit: { maxFailures: 1_000_000 },
    streaming: { helloTimeoutMs: HELLO_TIMEOUT_MS },
  }));
  port = (t.app.server.address() as AddressInfo).port;
  serverKey = await t.createToken('server', 'production');
});
afterAll(async () => {
  await server?.close();
});

/** No error was logged, nothing was polluted, and the server still streams to a valid key. */
async function expectServerFine(): Promise<void> {
  expect(logged.filter((entry) => entry.level >= 50)).toEqual([]);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  const client = await StreamClient.connect(server.wsUrl, { key: serverKey });
  expect((await client.next()).type).toBe('snapshot');
  client.close();
}

// ---- handshakes -------------------------------------------------------------------------------------

const printable = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const headerText = fc.oneof(
  printable,
  fc.string({ unit: fc.constantFrom(' ', '\t', 'a', 'B', '=', ',', ';', '"', '\u00e9', '\u00ff'), maxLength: 40 }),
  fc.constantFrom('', ' ', 'null', 'undefined', '-1', '1e3', '0x10', '99999999999999999999', '７'),
);

/** Authorization values that never carry a valid key in the accepted form (`Bearer <key>`). */
const badAuthorization = fc.oneof(
  headerText,
  headerText.map((v) => `Bearer ${v}`),
  fc.constantFrom('Bearer', 'Bearer ', 'bearer', 'Basic YWRtaW46YWRtaW4=', 'Bearer sy_server_', 'Bearer  a  b'),
  fc.constant('<key in another scheme>'),
  fc.constant('<key with a second token>'),
  fc.constant('<key after the header>'),
);
const spelled = (value: string) =>
  value === '<key in another scheme>'
    ? `Basic ${serverKey}`
    : value === '<key with a second token>'
      ? `Bearer ${serverKey} extra`
      : value === '<key after the header>'
        ? `${serverKey}`
        : value;

const query = fc.oneof(
  fc.constant(''),
  printable.map((q) => `?${q}`),
  fc.constantFrom('?sdkKey=<key>', '?key=<key>&version=1', '?authorization=Bearer%20<key>', '?%00', '?a=%E0%A4%A', '??&&==#x'),
);

/** Mostly `usual`, sometimes something else: most generated upgrades get as far as the websocket. */
const mostly = <T>(usual: fc.Arbitrary<T>, other: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: usual, weight: 5 }, { arbitrary: other, weight: 1 });

const handshake = fc.record({
  method: mostly(fc.constant('GET'), fc.constantFrom('HEAD', 'POST', 'OPTIONS')),
  query,
  upgrade: mostly(fc.constantFrom('websocket', 'WebSocket'), fc.constantFrom('websocket, h2c', 'h2c', '')),
  connection: mostly(fc.constantFrom('Upgrade', 'upgrade, keep-alive'), fc.constantFrom('keep-alive', '')),
  wsVersion: mostly(fc.constant('13'), headerText),
  wsKey: mostly(fc.constant('<valid>'), headerText),
  authorization: fc.option(fc.array(badAuthorization, { minLength: 1, maxLength: 3 }), { nil: undefined }),
  version: fc.option(fc.oneof(headerText, fc.integer().map(String)), { nil: undefined }),
  extra: fc.array(
    fc.tuple(fc.constantFrom('Sec-WebSocket-Protocol', 'Sec-WebSocket-Extensions', 'X-Forwarded-For', 'Origin'), headerText),
    {
      maxLength: 3,
    },
  ),
  huge: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
});
type Handshake = typeof handshake extends fc.Arbitrary<infer T> ? T : never;

function requestOf(h: Handshake): Buffer {
  const lines = [`${h.method} /sdk/stream${h.query.replaceAll('<key>', serverKey)} HTTP/1.1`, `Host: 127.0.0.1:${port}`];
  if (h.upgrade) lines.push(`Upgrade: ${h.upgrade}`);
  if (h.connection) lines.push(`Connection: ${h.connection}`);
  lines.push(`Sec-WebSocket-Version: ${h.wsVersion}`);
  lines.push(`Sec-WebSocket-Key: ${h.wsKey === '<valid>' ? validWebSocketKey() : h.wsKey}`);
  for (const value of h.authorization ?? []) lines.push(`Authorization: ${spelled(value)}`);
  if (h.version !== undefined) lines.push(`X-Switchyard-Version: ${h.version}`);
  for (const [name, value] of h.extra) lines.push(`${name}: ${value}`);
  if (h.huge) lines.push(`X-Padding: ${'x'.repeat(20_000)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
}

describe('hostile handshakes on /sdk/stream', () => {
  it('are answered 101 or 4xx; a websocket without a valid key gets no message and a documented close', async () => {
    let upgraded = 0;
    await fc.assert(
      fc.asyncProperty(handshake, async (h) => {
        const outcome = await rawUpgrade(port, requestOf(h), SETTLED_MS);
        const what = `${JSON.stringify(h)} -> ${outcome.status} ${JSON.stringify(outcome.close)}`;
        expect(outcome.status === 101 || (outcome.status >= 400 && outcome.status < 500), what).toBe(true);
        if (outcome.status !== 101) return;
        upgraded++;
        expect(
          outcome.frames.filter((frame) => frame.opcode !== 0x8),
          what,
        ).toEqual([]);
        expect(REFUSALS, what).toContain(outcome.close?.code);
      }),
      // A fixed seed: the check below, that the generator does reach the websocket, must not depend on luck
      // (an unseeded run once upgraded 16 of 100). Change the seed to explore other handshakes.
      { numRuns: RUNS, seed: 20_261_201 },
    );
    expect(upgraded).toBeGreaterThan(RUNS / 5);
    await expectServerFine();
  }, 120_000);

  it('accept a valid key in the header whatever the version header says (an unparseable URL may be refused with a 4xx)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.option(printable, { nil: undefined }), query, async (version, q) => {
        const headers: Record<string, string> = { authorization: `Bearer ${serverKey}` };
        if (version !== undefined) headers['x-switchyard-version'] = version;
        // (A '#' would be a fragment, which websocket clients refuse to send.)
        const url = `${server.wsUrl}${q.replaceAll('<key>', 'x').replaceAll('#', '%23')}`;
        const client = await StreamClient.connect(url, { headers }).catch((err: Error) => err);
        if (client instanceof Error) {
          expect(client.message).toMatch(/^Unexpected server response: 4\d\d$/);
          return;
        }
        const first = await client.next();
        expect(['snapshot', 'patch']).toContain(first.type);
        client.close();
        await client.closed;
      }),
      { numRuns: 50 },
    );
    await expectServerFine();
  }, 120_000);
});

// ---- first messages ---------------------------------------------------------------------------------

type Frame = { data: string | Buffer; binary: boolean };

/** A frame that shows itself shortened in a counterexample. */
function frameOf(data: string | Buffer, binary: boolean): Frame {
  const shown =
    typeof data === 'string' ? JSON.stringify(data.slice(0, 80)) : `<${data.length} bytes: ${data.subarray(0, 16).toString('hex')}>`;
  const more = data.length > 80 ? ` (${data.length} in all)` : '';
  return { data, binary, [fc.toStringMethod]: () => `${binary ? 'binary' : 'text'} ${shown}${more}` } as Frame;
}
const text = (data: string) => frameOf(data, false);
/** A JSON value that serializes as `json` but shows as `label` in a counterexample. */
const labelled = (label: string, json: unknown) => ({ toJSON: () => json, [fc.toStringMethod]: () => label });

const oddButSmall = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc.string({ unit: 'binary', maxLength: 50 }),
  fc.constantFrom('', '\u0000', '\ud800'),
);
const odd = fc.oneof(oddButSmall, fc.constant(labelled('<70,000 x>', 'x'.repeat(70_000))));
const frame: fc.Arbitrary<Frame> = fc.oneof(
  // JSON that is not a hello, or a hello with something wrong in it
  fc.jsonValue({ maxDepth: 4 }).map((v) => text(JSON.stringify(v))),
  fc.record({ type: fc.constant('hello'), sdkKey: odd, version: odd }, { requiredKeys: ['type'] }).map((v) => text(JSON.stringify(v))),
  fc.record({ type: fc.constantFrom('ping', 'pong', 'resync', 'HELLO', 'hello '), t: odd }).map((v) => text(JSON.stringify(v))),
  // prototype keys, deep nesting, non-JSON, NUL, big
  fc
    .constantFrom(
      '{"__proto__":{"type":"hello","sdkKey":"k","polluted":1}}',
      '{"type":"hello","sdkKey":"k","__proto__":{"polluted":1}}',
      '{"constructor":{"prototype":{"polluted":1}},"type":"hello","sdkKey":"k"}',
      `${'['.repeat(5000)}${']'.repeat(5000)}`,
      `{"type":"hello","sdkKey":"${'k'.repeat(60_000)}"}`,
      `{"type":"hello","sdkKey":"sy_server_\\u0000"}`,
      '{"type":"hello","sdkKey":"sy_server_x"',
      'hello',
      '',
    )
    .map(text),
  fc.string({ unit: 'binary', maxLength: 200 }).map(text),
  fc.integer({ min: 65 * 1024, max: 80 * 1024 }).map((n) => text(`{"type":"hello","sdkKey":"${'x'.repeat(n)}"}`)),
  // binary frames, and text frames that are not UTF-8
  fc.uint8Array({ maxLength: 100 }).map((bytes) => frameOf(Buffer.from(bytes), true)),
  fc
    .constantFrom(
      Buffer.from([0xc3, 0x28]),
      Buffer.from([0xff, 0xfe, 0x7b]),
      Buffer.from('{"type":"hello","sdkKey":"\xed\xa0\x80"}', 'latin1'),
    )
    .map((data) => frameOf(data, false)),
);

/** Opens a socket without a key, sends `frames` back to back, and waits for the server to close it. */
async function sendFrames(frames: Frame[]): Promise<{ close: { code: number; reason: string }; messages: unknown[] }> {
  const socket = new WebSocket(server.wsUrl);
  const messages: unknown[] = [];
  socket.on('message', (data) => messages.push(String(data)));
  socket.on('error', () => {});
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  for (const f of frames) if (socket.readyState === socket.OPEN) socket.send(f.data, { binary: f.binary }, () => {});
  const timeout = new Promise<{ code: number; reason: string }>((resolve) =>
    setTimeout(() => resolve({ code: -1, reason: 'still open' }), SETTLED_MS),
  );
  const close = await Promise.race([closed, timeout]);
  socket.terminate();
  return { close, messages };
}

describe('hostile first messages on /sdk/stream', () => {
  it('close the socket with a documented code and send it nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 20 }), async (frames) => {
        const { close, messages } = await sendFrames(frames);
        const what = `${frames.map((f) => fc.stringify(f)).join(' | ')} -> ${JSON.stringify(close)}`;
        expect(messages, what).toEqual([]);
        expect(REFUSALS, what).toContain(close.code);
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      }),
      { numRuns: RUNS },
    );
    await expectServerFine();
  }, 120_000);

  it('still let a valid hello in, whatever its version field, and ignore what follows it', async () => {
    await fc.assert(
      fc.asyncProperty(oddButSmall, fc.array(frame, { maxLength: 5 }), async (version, after) => {
        const client = await StreamClient.connect(server.wsUrl);
        client.socket.send(JSON.stringify({ type: 'hello', sdkKey: serverKey, version }));
        for (const f of after.filter((f) => !f.binary && typeof f.data === 'string' && f.data.length < 60_000)) client.socket.send(f.data);
        expect(['snapshot', 'patch']).toContain((await client.next()).type);
        client.close();
        await client.closed;
      }),
      { numRuns: 50 },
    );
    await expectServerFine();
  }, 120_000);
});

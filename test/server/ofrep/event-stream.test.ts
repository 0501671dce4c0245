import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../../helpers/app.ts';
import { until } from '../../helpers/wait.ts';
import { environmentVersion, type Replica, startStreamingApp } from '../streaming/stream-kit.ts';
import { SseReader, toggle } from './ofrep-kit.ts';

describe('OFREP event stream (GET /ofrep/v1/events)', () => {
  let t: TestApp;
  let server: Replica;
  let clientKey: string;
  const readers: SseReader[] = [];

  /** The stream URL a bulk answer gives to the holder of `key`. */
  async function streamUrl(key = clientKey): Promise<string> {
    const res = await t.request('POST', '/ofrep/v1/evaluate/flags', { token: key, body: { context: { targetingKey: 'u-1' } } });
    expect(res.statusCode).toBe(200);
    return `${server.baseUrl}${res.json().eventStreams[0].endpoint.requestUri}`;
  }

  async function open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const controller = new AbortController();
    const response = await fetch(url, { headers, signal: controller.signal });
    expect(response.status).toBe(200);
    const reader = new SseReader(response, () => controller.abort());
    readers.push(reader);
    return reader;
  }

  beforeAll(async () => {
    ({ t, replica: server } = await startStreamingApp({ ofrep: { heartbeatIntervalMs: 200 } }));
    clientKey = await t.createToken('client', 'production');
    const res = await t.request('POST', '/api/flags', {
      body: { key: 'banner', name: 'banner', kind: 'boolean', clientSideAvailable: true },
    });
    expect(res.statusCode).toBe(201);
  });
  afterAll(async () => {
    for (const reader of readers) reader.close();
    await server?.close();
  });

  it('streams with the headers proxies need, starting with a refetch at the current version', async () => {
    const url = await streamUrl();
    const controller = new AbortController();
    const response = await fetch(url, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(response.headers.get('access-control-allow-origin')).toBe('*');
    const reader = new SseReader(response, () => controller.abort());
    readers.push(reader);
    const version = await environmentVersion(t, 'production');
    expect(await reader.event(1)).toEqual({
      retry: '3000',
      id: String(version),
      data: JSON.stringify({ type: 'refetchEvaluation', etag: String(version) }),
    });
  });

  it('tells every open stream of the environment about a change, with the new version as its id', async () => {
    const url = await streamUrl();
    const [a, b] = [await open(url), await open(url)];
    await a.event(1);
    await b.event(1);
    await toggle(t, 'banner', true);
    const version = await environmentVersion(t, 'production');
    for (const reader of [a, b]) {
      expect(await reader.event(2)).toEqual({
        id: String(version),
        data: JSON.stringify({ type: 'refetchEvaluation', etag: String(version) }),
      });
    }
  });

  it('resumes with Last-Event-ID: nothing to refetch when current, a refetch at once when behind', async () => {
    const url = await streamUrl();
    const version = await environmentVersion(t, 'production');
    const current = await open(url, { 'last-event-id': String(version) });
    expect(await current.event(1)).toEqual({ retry: '3000', id: String(version) });
    const behind = await open(url, { 'last-event-id': String(version - 1) });
    expect(await behind.event(1)).toMatchObject({ id: String(version), data: expect.stringContaining('refetchEvaluation') });
  });

  it('sends a heartbeat comment on every stream', async () => {
    const reader = await open(await streamUrl());
    await until('a heartbeat', () => reader.comments.includes('heartbeat'));
  });

  it('refuses a bad or tampered token with 401', async () => {
    const url = await streamUrl();
    expect((await fetch(`${server.baseUrl}/ofrep/v1/events?token=nonsense`)).status).toBe(401);
    // The signature's last character, spelled otherwise (the same bytes once decoded, when only its unused bits differ).
    const tampered = `${url.slice(0, -1)}${url.endsWith('A') ? 'B' : 'A'}`;
    const otherSignature = url.replace(/\.[\w-]{5}/, '.AAAAA');
    expect((await fetch(tampered)).status).toBe(401);
    expect((await fetch(otherSignature)).status).toBe(401);
    expect((await fetch(`${server.baseUrl}/ofrep/v1/events`)).status).toBe(401);
  });

  it('ends the streams of a revoked key, and refuses its token afterwards', async () => {
    const key = await t.createToken('client', 'production', 'to-revoke');
    const url = await streamUrl(key);
    const reader = await open(url);
    await reader.event(1);
    const token = await t.db.prisma.apiToken.findFirstOrThrow({ where: { name: 'to-revoke' } });
    expect((await t.request('DELETE', `/api/tokens/${token.id}`)).statusCode).toBe(200);
    await reader.done;
    expect((await fetch(url)).status).toBe(401);
  });

  it('counts its open streams and forgets closed ones', async () => {
    const before = t.app.ofrepStreams.openStreams;
    const reader = await open(await streamUrl());
    await reader.event(1);
    expect(t.app.ofrepStreams.openStreams).toBe(before + 1);
    reader.close();
    await until('the stream is forgotten', () => t.app.ofrepStreams.openStreams === before);
  });

  it('forgets streams whose client left while their token was being checked', async () => {
    const before = t.app.ofrepStreams.openStreams;
    const url = new URL(await streamUrl());
    // Each request is sent and its connection dropped at once: most are gone before the token check ends.
    await Promise.all(
      Array.from(
        { length: 100 },
        () =>
          new Promise<void>((resolve) => {
            const req = httpRequest(url, { method: 'GET' });
            req.on('error', () => resolve());
            req.on('close', () => resolve());
            req.end(() => setImmediate(() => req.destroy()));
          }),
      ),
    );
    await until('every dropped stream is forgotten', () => t.app.ofrepStreams.openStreams === before);
    await new Promise((r) => setTimeout(r, 500));
    expect(t.app.ofrepStreams.openStreams).toBe(before);
  });
});

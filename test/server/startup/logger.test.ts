import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { withRedaction } from '../../../server/src/http/log-redaction.ts';
import { describeUrl, loggerOptions } from '../../../server/src/server.ts';
import { createTestApp } from '../../helpers/app.ts';

type Level = Parameters<typeof loggerOptions>[0];

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { lines, stream };
}

function capturingApp(level: Level) {
  const { lines, stream } = capture();
  // As buildApp does with the logger server.ts gives it.
  const app = Fastify({ logger: withRedaction({ ...loggerOptions(level), stream }) });
  return { app, lines };
}

/** The log lines of a real app, logging as in production at `level`, while it answers `urls`. */
async function requestLog(level: Level, urls: string[]): Promise<Record<string, unknown>[]> {
  const { lines, stream } = capture();
  const t = await createTestApp({ logger: { ...loggerOptions(level), stream } });
  try {
    lines.length = 0; // start-up lines are not the requests'
    for (const url of urls) await t.request('GET', url);
    return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  } finally {
    await t.close();
  }
}

describe('the server log', () => {
  it('censors secrets, SDK keys and Authorization headers wherever they appear up to two levels deep', async () => {
    const { app, lines } = capturingApp('info');
    app.log.info(
      { secret: 's-top', token: { secret: 's-nested', sdkKey: 'k-nested' }, body: { token: { secret: 's-deep' } }, sdkKey: 'k-top' },
      'created',
    );
    app.log.info({ req: { method: 'GET', url: '/api/flags', headers: { authorization: 'Bearer sy_admin_leak' } } }, 'request');
    app.get('/echo', async () => ({ ok: true }));
    await app.inject({ method: 'GET', url: '/echo', headers: { authorization: 'Bearer sy_admin_leak2' } });
    await app.close();

    const text = lines.join('');
    for (const secret of ['s-top', 's-nested', 'k-nested', 's-deep', 'k-top', 'sy_admin_leak', 'sy_admin_leak2'])
      expect(text).not.toContain(secret);
    expect(text).toContain('[redacted]');
    expect(text).toContain('"msg":"created"');
  });

  it('follows LOG_LEVEL', async () => {
    const { app, lines } = capturingApp('warn');
    app.log.info('hidden');
    app.log.warn('shown');
    await app.close();
    expect(lines.join('')).not.toContain('hidden');
    expect(lines.join('')).toContain('shown');
  });

  it('leaves out Fastify\'s JSON "Server listening at" line: start-up prints its own, for people', async () => {
    const { app, lines } = capturingApp('info');
    app.log.info('kept');
    await app.listen({ host: '127.0.0.1', port: 0 });
    await app.close();
    expect(lines.join('')).toContain('"msg":"kept"');
    expect(lines.join('')).not.toContain('Server listening');
  });

  it('writes no line per request at info', async () => {
    expect(await requestLog('info', ['/healthz', '/api/flags?limit=5', '/api/nothing-here'])).toEqual([]);
  });

  it('writes one line per request at debug: method, URL with its query values censored, status and time', async () => {
    const log = await requestLog('debug', ['/healthz', '/api/flags?limit=5&q=s3cr3t-looking', '/api/nothing-here']);
    const requests = log.filter((line) => line.msg === 'request completed');
    expect(requests).toEqual([
      expect.objectContaining({ level: 20, method: 'GET', url: '/healthz', statusCode: 200, responseTime: expect.any(Number) }),
      expect.objectContaining({ method: 'GET', url: '/api/flags?limit=[redacted]&q=[redacted]', statusCode: 200 }),
      expect.objectContaining({ method: 'GET', url: '/api/nothing-here', statusCode: 404 }),
    ]);
    expect(log).toHaveLength(3);
    expect(JSON.stringify(log)).not.toContain('s3cr3t');
  });

  it('prints service URLs without their credentials', () => {
    expect(describeUrl('postgresql://user:p%40ss@db.internal:5432/switchyard?sslmode=require')).toBe(
      'postgresql://db.internal:5432/switchyard',
    );
    expect(describeUrl('redis://:hunter2@cache:6379')).toBe('redis://cache:6379');
  });
});

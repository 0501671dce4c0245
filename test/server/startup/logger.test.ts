import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { withRedaction } from '../../../server/src/http/log-redaction.ts';
import { describeUrl, loggerOptions } from '../../../server/src/server.ts';

function capturingApp(level: Parameters<typeof loggerOptions>[0]) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  // As buildApp does with the logger server.ts gives it.
  const app = Fastify({ logger: withRedaction({ ...loggerOptions(level), stream }) });
  return { app, lines };
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

  it('prints service URLs without their credentials', () => {
    expect(describeUrl('postgresql://user:p%40ss@db.internal:5432/switchyard?sslmode=require')).toBe(
      'postgresql://db.internal:5432/switchyard',
    );
    expect(describeUrl('redis://:hunter2@cache:6379')).toBe('redis://cache:6379');
  });
});

import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateSecret } from '../../../server/src/auth/secrets.ts';
import { ConfigError, loadConfig, REPO_ROOT, resolveDataDir } from '../../../server/src/config/config.ts';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error('expected loadConfig to fail');
}

describe('configuration from environment variables', () => {
  it('has defaults for everything: 127.0.0.1:4242, embedded database, no Redis, info logs', () => {
    expect(loadConfig({})).toEqual({
      PORT: 4242,
      HOST: '127.0.0.1',
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      LOG_LEVEL: 'info',
      SWITCHYARD_ADMIN_TOKEN: undefined,
      SWITCHYARD_DATA_DIR: undefined,
      SWITCHYARD_EMBEDDED_PG_PORT: 0,
      SWITCHYARD_REDIS_PREFIX: 'switchyard',
      SWITCHYARD_STREAM_MAX_CONNECTIONS_PER_KEY: 2000,
      BODY_LIMIT_BYTES: 1024 * 1024,
      SWITCHYARD_STALE_AFTER_DAYS: 7,
      SWITCHYARD_RELEASE_GUARD_INTERVAL_SECONDS: 60,
      SWITCHYARD_DUE_WORK_POLL_MS: 200,
      SWITCHYARD_SESSION_HOURS: 12,
      SWITCHYARD_METRICS_MINUTE_RETENTION_HOURS: 48,
      SWITCHYARD_METRICS_RETENTION_DAYS: 90,
      SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS: 10,
      SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS: 5,
      SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS: 3600,
      SWITCHYARD_WEBHOOK_MAX_ATTEMPTS: 8,
      SWITCHYARD_WEBHOOK_RETENTION_DAYS: 14,
      SWITCHYARD_TRUST_PROXY: false,
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', HOST: ' ', DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: '', SWITCHYARD_ADMIN_TOKEN: '' })).toEqual(
      loadConfig({}),
    );
  });

  it('reads valid values', () => {
    const config = loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://u:p@db:5432/sy',
      REDIS_URL: 'rediss://cache:6380',
      LOG_LEVEL: 'debug',
      SWITCHYARD_ADMIN_TOKEN: 'k7Qv2pX9mZ4rT1wB8nL5sD3f',
      SWITCHYARD_DATA_DIR: '/var/lib/switchyard',
      SWITCHYARD_EMBEDDED_PG_PORT: '55432',
      BODY_LIMIT_BYTES: '2048',
      SWITCHYARD_REDIS_PREFIX: 'switchyard-staging',
      SWITCHYARD_STREAM_MAX_CONNECTIONS_PER_KEY: '10000',
      SWITCHYARD_STALE_AFTER_DAYS: '30',
      SWITCHYARD_METRICS_MINUTE_RETENTION_HOURS: '72',
      SWITCHYARD_METRICS_RETENTION_DAYS: '400',
    });
    expect(config).toMatchObject({
      PORT: 8080,
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgresql://u:p@db:5432/sy',
      REDIS_URL: 'rediss://cache:6380',
      LOG_LEVEL: 'debug',
      SWITCHYARD_EMBEDDED_PG_PORT: 55432,
      BODY_LIMIT_BYTES: 2048,
      SWITCHYARD_REDIS_PREFIX: 'switchyard-staging',
      SWITCHYARD_STREAM_MAX_CONNECTIONS_PER_KEY: 10_000,
      SWITCHYARD_STALE_AFTER_DAYS: 30,
      SWITCHYARD_METRICS_MINUTE_RETENTION_HOURS: 72,
      SWITCHYARD_METRICS_RETENTION_DAYS: 400,
    });
  });

  it.each([
    ['PORT', 'http'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['DATABASE_URL', 'mysql://localhost/sy'],
    ['DATABASE_URL', 'localhost:5432'],
    ['REDIS_URL', 'http://localhost:6379'],
    ['LOG_LEVEL', 'verbose'],
    ['SWITCHYARD_ADMIN_TOKEN', 'too-short'],
    ['SWITCHYARD_EMBEDDED_PG_PORT', '99999'],
    ['BODY_LIMIT_BYTES', '10'],
    ['BODY_LIMIT_BYTES', 'lots'],
    ['SWITCHYARD_REDIS_PREFIX', 'has spaces'],
    ['SWITCHYARD_REDIS_PREFIX', ':leading-colon'],
    ['SWITCHYARD_REDIS_PREFIX', 'x'.repeat(65)],
    ['SWITCHYARD_STREAM_MAX_CONNECTIONS_PER_KEY', '0'],
    ['SWITCHYARD_STREAM_MAX_CONNECTIONS_PER_KEY', '1.5'],
    ['SWITCHYARD_STREAM_MAX_CONNECTIONS_PER_KEY', 'many'],
    ['SWITCHYARD_STALE_AFTER_DAYS', '0'],
    ['SWITCHYARD_STALE_AFTER_DAYS', '366'],
    ['SWITCHYARD_STALE_AFTER_DAYS', '7.5'],
    ['SWITCHYARD_RELEASE_GUARD_INTERVAL_SECONDS', '0'],
    ['SWITCHYARD_DUE_WORK_POLL_MS', '5'],
    ['SWITCHYARD_SESSION_HOURS', '0'],
    ['SWITCHYARD_METRICS_MINUTE_RETENTION_HOURS', '23'],
    ['SWITCHYARD_METRICS_MINUTE_RETENTION_HOURS', '48h'],
    ['SWITCHYARD_METRICS_RETENTION_DAYS', '0'],
    ['SWITCHYARD_METRICS_RETENTION_DAYS', '90.5'],
    ['SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS', '0'],
    ['SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS', '61'],
    ['SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS', '10s'],
    ['SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS', '0'],
    ['SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS', '2.5'],
    ['SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS', '86401'],
    ['SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS', '1'],
    ['SWITCHYARD_WEBHOOK_MAX_ATTEMPTS', '0'],
    ['SWITCHYARD_WEBHOOK_MAX_ATTEMPTS', '51'],
    ['SWITCHYARD_WEBHOOK_RETENTION_DAYS', '0'],
    ['SWITCHYARD_WEBHOOK_RETENTION_DAYS', 'forever'],
  ])('names %s when it is %j', (name, value) => {
    const problems = problemsOf({ [name]: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${name}: `));
  });

  it('reads the webhook settings, and refuses a retry cap below the first retry delay', () => {
    const env = {
      SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS: '30',
      SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS: '60',
      SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS: '7200',
      SWITCHYARD_WEBHOOK_MAX_ATTEMPTS: '12',
      SWITCHYARD_WEBHOOK_RETENTION_DAYS: '30',
    };
    expect(loadConfig(env)).toMatchObject({
      SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS: 30,
      SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS: 60,
      SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS: 7200,
      SWITCHYARD_WEBHOOK_MAX_ATTEMPTS: 12,
      SWITCHYARD_WEBHOOK_RETENTION_DAYS: 30,
    });
    expect(problemsOf({ ...env, SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS: '30' })).toEqual([
      'SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS: must be at least SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS',
    ]);
    // A bad value gets its own message only, not the comparison's too.
    expect(problemsOf({ SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS: '7200' })).toEqual([
      'SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS: must be a whole number of seconds from 1 to 3600',
    ]);
  });

  it('reads the proxies to trust as addresses, CIDR ranges or named ranges, and refuses anything else', () => {
    expect(loadConfig({ SWITCHYARD_TRUST_PROXY: 'uniquelocal' }).SWITCHYARD_TRUST_PROXY).toEqual(['uniquelocal']);
    expect(loadConfig({ SWITCHYARD_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1,::1,fc00::/7' }).SWITCHYARD_TRUST_PROXY).toEqual([
      '10.0.0.0/8',
      '127.0.0.1',
      '::1',
      'fc00::/7',
    ]);
    const message =
      'SWITCHYARD_TRUST_PROXY: must be a comma-separated list of IP addresses, CIDR ranges, loopback, linklocal or uniquelocal';
    for (const bad of ['true', '*', '10.0.0.0/33', '10.0.0.0/8/1', 'example.com', '10.0.0.1,', '2']) {
      expect(problemsOf({ SWITCHYARD_TRUST_PROXY: bad }), bad).toEqual([message]);
    }
  });

  it('gives the allowed range of a number', () => {
    expect(problemsOf({ BODY_LIMIT_BYTES: '10' })).toEqual(['BODY_LIMIT_BYTES: must be a whole number of bytes from 1024 to 52428800']);
    expect(problemsOf({ SWITCHYARD_STREAM_MAX_CONNECTIONS_PER_KEY: '0' })).toEqual([
      'SWITCHYARD_STREAM_MAX_CONNECTIONS_PER_KEY: must be a whole number from 1 to 1000000',
    ]);
    expect(problemsOf({ SWITCHYARD_STALE_AFTER_DAYS: '0' })).toEqual([
      'SWITCHYARD_STALE_AFTER_DAYS: must be a whole number of days from 1 to 365',
    ]);
    expect(problemsOf({ SWITCHYARD_METRICS_MINUTE_RETENTION_HOURS: '1' })).toEqual([
      'SWITCHYARD_METRICS_MINUTE_RETENTION_HOURS: must be a whole number of hours from 24 to 8784',
    ]);
  });

  it('lists every bad variable at once, and the error message names each', () => {
    const error = (() => {
      try {
        loadConfig({ PORT: 'x', LOG_LEVEL: 'loud', REDIS_URL: 'nope' });
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(error?.problems.map((p) => p.split(':')[0]).sort()).toEqual(['LOG_LEVEL', 'PORT', 'REDIS_URL']);
    expect(error?.message).toMatch(/^Invalid configuration:\n {2}- /);
    expect(error?.message).toContain('LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent');
  });

  it('never repeats a secret in its messages', () => {
    const message = problemsOf({ DATABASE_URL: 'mysql://user:hunter2-secret@db/sy', SWITCHYARD_ADMIN_TOKEN: 'short-secret-xyz' }).join(
      '\n',
    );
    expect(message).not.toContain('hunter2-secret');
    expect(message).not.toContain('short-secret-xyz');
  });
});

describe('SWITCHYARD_ADMIN_TOKEN', () => {
  // A value copied from an example is public: whoever started the stack with it has an admin token
  // anyone can read. The process must stop at start instead (main.ts exits 1 with the message).
  it.each([
    ['the compose file’s old default', 'change-me-to-a-long-random-secret'],
    ['"changeme" in any case or spelling', 'CHANGEME_CHANGEME_CHANGEME'],
    ['"change me" spelled with spaces', 'please change me before production'],
    ['"change this"', 'change-this-to-something-secret'],
    ['"replace me"', 'replace_me_with_a_real_admin_token'],
    ['"placeholder"', 'placeholder-for-the-admin-token-1234'],
    ['"example"', 'example-admin-token-0123456789abcdef'],
    ['"your secret"', 'your-secret-goes-right-here-123'],
    ['one character repeated', 'x'.repeat(32)],
    ['a short pattern repeated', '1234'.repeat(8)],
  ])('is refused when it is a placeholder: %s', (_what, value) => {
    const problems = problemsOf({ SWITCHYARD_ADMIN_TOKEN: value });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^SWITCHYARD_ADMIN_TOKEN: looks like a placeholder, not a secret/);
    expect(problems[0]).toContain('openssl rand -base64 32');
    expect(problems[0]).not.toContain(value);
  });

  it.each([
    ['a generated admin token', generateSecret('admin')],
    ['openssl rand -base64 32', randomBytes(32).toString('base64')],
    ['openssl rand -hex 32', randomBytes(32).toString('hex')],
    ['24 random characters, the shortest allowed', randomBytes(18).toString('base64url')],
    ['a long passphrase', 'correct horse battery staple on the moon'],
  ])('is accepted when it is a secret: %s', (_what, value) => {
    expect(loadConfig({ SWITCHYARD_ADMIN_TOKEN: value }).SWITCHYARD_ADMIN_TOKEN).toBe(value);
  });

  it('says only that a short value is too short', () => {
    expect(problemsOf({ SWITCHYARD_ADMIN_TOKEN: 'changeme' })).toEqual(['SWITCHYARD_ADMIN_TOKEN: must be at least 24 characters long']);
  });
});

describe('the data directory', () => {
  it('defaults to data/ at the repository root, whatever the current directory (npm start -w runs in server/)', () => {
    expect(resolveDataDir({ SWITCHYARD_DATA_DIR: undefined }, {})).toBe(path.join(REPO_ROOT, 'data'));
    expect(path.join(REPO_ROOT, 'package.json')).toBe(path.resolve(import.meta.dirname, '../../../package.json'));
  });

  it('resolves a relative SWITCHYARD_DATA_DIR against the directory npm was run from (INIT_CWD), else the current one', () => {
    expect(resolveDataDir({ SWITCHYARD_DATA_DIR: 'state' }, { INIT_CWD: '/srv/app' })).toBe('/srv/app/state');
    expect(resolveDataDir({ SWITCHYARD_DATA_DIR: 'state' }, {})).toBe(path.resolve(process.cwd(), 'state'));
    expect(resolveDataDir({ SWITCHYARD_DATA_DIR: '/abs/dir' }, { INIT_CWD: '/srv/app' })).toBe('/abs/dir');
  });
});

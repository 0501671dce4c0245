import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseTrustProxy } from './trust-proxy.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The directory holding the root package.json; the default data directory lives under it. */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** An unset variable and an empty one mean the same: use the default. */
const unsetIfEmpty = (value: unknown) => (typeof value === 'string' && value.trim() === '' ? undefined : value);

const port = (fallback: number) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .regex(/^\d+$/, { message: 'must be a whole number from 0 to 65535' })
      .transform(Number)
      .refine((n) => n <= 65535, { message: 'must be a whole number from 0 to 65535' })
      .default(fallback),
  );

/** A whole number from `min` to `max` (default `fallback`); anything else gets one message saying so. */
const wholeNumber = (min: number, max: number, fallback: number, unit = '') => {
  const message = `must be a whole number${unit} from ${min} to ${max}`;
  return z.preprocess(
    unsetIfEmpty,
    z.coerce.number({ message }).int({ message }).min(min, { message }).max(max, { message }).default(fallback),
  );
};

// Values are never echoed back in messages: URLs and tokens may hold passwords.
const optionalUrl = (protocols: string[]) =>
  z.preprocess(
    unsetIfEmpty,
    z
      .string()
      .trim()
      .refine((value) => protocols.some((p) => value.startsWith(`${p}://`)) && URL.canParse(value), {
        message: `must be a URL starting with ${protocols.map((p) => `${p}://`).join(' or ')}`,
      })
      .optional(),
  );

/**
 * Words that mark a value as one copied from an example rather than a secret (compared in lower case,
 * ignoring everything but letters and digits): the compose file's old default was
 * `change-me-to-a-long-random-secret`, and whoever started it kept that as a valid admin token.
 * A random secret of 24 to 44 characters contains one by chance with a probability of about 10^-9.
 */
const PLACEHOLDER_WORDS = ['changeme', 'changethis', 'replaceme', 'placeholder', 'example', 'yoursecret', 'yourtoken', 'secrethere'];
/** Fewer different characters than this is no random secret (`xxxxxxxx…`, `123412341234…`). */
const MIN_DISTINCT_CHARACTERS = 8;
const PLACEHOLDER_MESSAGE =
  'looks like a placeholder, not a secret (it contains a word such as "change-me", "placeholder" or "example", ' +
  `or fewer than ${MIN_DISTINCT_CHARACTERS} different characters): generate one, e.g. with \`openssl rand -base64 32\``;

function isPlaceholderSecret(value: string): boolean {
  const letters = value.toLowerCase().replace(/[^a-z0-9]/g, '');
  return PLACEHOLDER_WORDS.some((word) => letters.includes(word)) || new Set(value).size < MIN_DISTINCT_CHARACTERS;
}

export const ConfigSchema = z
  .object({
    PORT: port(4242),
    HOST: z.preprocess(unsetIfEmpty, z.string().trim().default('127.0.0.1')),
    DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
    REDIS_URL: optionalUrl(['redis', 'rediss']),
    LOG_LEVEL: z.preprocess(unsetIfEmpty, z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info')),
    SWITCHYARD_ADMIN_TOKEN: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .min(24, { message: 'must be at least 24 characters long', abort: true })
        .refine((value) => !isPlaceholderSecret(value), { message: PLACEHOLDER_MESSAGE })
        .optional(),
    ),
    /** Prefix of every Redis key and channel Switchyard uses: installations sharing one Redis need different ones. */
    SWITCHYARD_REDIS_PREFIX: z.preprocess(
      unsetIfEmpty,
      z
        .string()
        .trim()
        .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/, {
          message: 'must be 1 to 64 letters, digits, "_", ".", ":" or "-", starting with a letter or digit',
        })
        .default('switchyard'),
    ),
    /** Stream connections one SDK key may hold on one replica; the next is refused (close code 4409). */
    SWITCHYARD_STREAM_MAX_CONNECTIONS_PER_KEY: wholeNumber(1, 1_000_000, 2000),
    /** Unset: `<repo root>/data`. A relative path is resolved against the directory npm was run from (INIT_CWD), else the current one. */
    SWITCHYARD_DATA_DIR: z.preprocess(unsetIfEmpty, z.string().optional()),
    /** 0 (the default): a free port found at start. */
    SWITCHYARD_EMBEDDED_PG_PORT: port(0),
    BODY_LIMIT_BYTES: wholeNumber(1024, 50 * 1024 * 1024, 1024 * 1024, ' of bytes'),
    /**
     * Per-minute rollups older than this are compacted into hourly ones. At least 24: folding writes
     * minutes up to a day old (a report's window is clamped to the day before it arrived).
     */
    SWITCHYARD_METRICS_MINUTE_RETENTION_HOURS: wholeNumber(24, 24 * 366, 48, ' of hours'),
    /** Stored metrics (rollups, guarded-release contexts, SDK instances) older than this are deleted. */
    SWITCHYARD_METRICS_RETENTION_DAYS: wholeNumber(1, 3660, 90, ' of days'),
    /** N of the flag statuses: `launched` after N days of one variation, `inactive` after N days without evaluations. */
    SWITCHYARD_STALE_AFTER_DAYS: wholeNumber(1, 365, 7, ' of days'),
    /** How long a console session lasts from sign-in; a revoked token or sign-out ends it sooner. */
    SWITCHYARD_SESSION_HOURS: wholeNumber(1, 24 * 30, 12, ' of hours'),
    /** How often a guarded release stage's metrics are judged: the longest a regression goes unseen. */
    SWITCHYARD_RELEASE_GUARD_INTERVAL_SECONDS: wholeNumber(1, 3600, 60, ' of seconds'),
    /** How long a replica with no due work (release plan looks, scheduled changes, webhook deliveries) waits before looking again. */
    SWITCHYARD_DUE_WORK_POLL_MS: wholeNumber(20, 10_000, 200, ' of milliseconds'),
    /** Outgoing webhooks: how long an attempt waits for the receiver's answer. */
    SWITCHYARD_WEBHOOK_TIMEOUT_SECONDS: wholeNumber(1, 60, 10, ' of seconds'),
    /** The delay before a failed delivery's first retry; each next one doubles, jittered, up to the cap below. */
    SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS: wholeNumber(1, 3600, 5, ' of seconds'),
    /** The longest delay between two attempts of a delivery. */
    SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS: wholeNumber(1, 86_400, 3600, ' of seconds'),
    /** Attempts before a delivery is marked failed. */
    SWITCHYARD_WEBHOOK_MAX_ATTEMPTS: wholeNumber(1, 50, 8),
    /** Settled webhook deliveries (and their attempts) older than this are deleted. */
    SWITCHYARD_WEBHOOK_RETENTION_DAYS: wholeNumber(1, 3660, 14, ' of days'),
    /** Proxies whose X-Forwarded-For names the client (see trust-proxy.ts). Unset: none. */
    SWITCHYARD_TRUST_PROXY: z.preprocess(unsetIfEmpty, z.string().optional()).transform((value, context) => {
      const parsed = parseTrustProxy(value);
      if (parsed !== false && 'problem' in parsed) {
        context.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed;
    }),
  })
  .refine((config) => config.SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS >= config.SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS, {
    path: ['SWITCHYARD_WEBHOOK_RETRY_MAX_SECONDS'],
    message: 'must be at least SWITCHYARD_WEBHOOK_RETRY_BASE_SECONDS',
    // Only when both are valid numbers: a bad one has a message of its own.
    when: (payload) => !payload.issues.some((issue) => String(issue.path?.[0]).startsWith('SWITCHYARD_WEBHOOK_RETRY_')),
  });

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Reads and validates configuration from environment variables; throws ConfigError naming each bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = ConfigSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  return parsed.data;
}

/** Where Switchyard keeps its files (the embedded database): see SWITCHYARD_DATA_DIR. */
export function resolveDataDir(config: Pick<Config, 'SWITCHYARD_DATA_DIR'>, env: NodeJS.ProcessEnv = process.env): string {
  if (!config.SWITCHYARD_DATA_DIR) return path.join(REPO_ROOT, 'data');
  return path.resolve(env.INIT_CWD ?? process.cwd(), config.SWITCHYARD_DATA_DIR);
}

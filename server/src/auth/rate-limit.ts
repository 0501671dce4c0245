import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../http/http-error.ts';

export type AuthRateLimitOptions = {
  /** Failed authentications allowed per client IP within one window; the next ones get 429. */
  maxFailures: number;
  windowMs: number;
  /** Most client IPs tracked at once (memory bound); the oldest are forgotten first. */
  maxTrackedClients: number;
};

export const DEFAULT_AUTH_RATE_LIMIT: AuthRateLimitOptions = { maxFailures: 20, windowMs: 60_000, maxTrackedClients: 100_000 };

declare module 'fastify' {
  interface FastifyInstance {
    /** Counts a failed authentication of this request's client; throws 429 once it is over the limit. */
    recordAuthFailure(request: FastifyRequest, reply: FastifyReply): void;
    /**
     * Counts a failed authentication from `address` in the same window as HTTP (the stream uses it):
     * null while the address is within the limit, else the seconds until its window ends.
     */
    countAuthFailure(address: string): number | null;
  }
}

type Window = { failures: number; resetAt: number };

/**
 * A fixed-window count of failed authentications per client IP (`request.ip`: behind a proxy, set
 * Fastify's trustProxy so that it is the client's address), shared by HTTP and the stream. Only
 * failures are counted and only failures are refused, so a valid token keeps working from an IP
 * that is being limited.
 *
 * The counts live in this process: each replica counts on its own, so a client spread over N
 * replicas gets up to N times the limit. That still turns guessing a 256-bit secret from
 * hopeless into more hopeless, which is all this is for; it mostly spares the database.
 */
export default fp(
  async function authRateLimit(app: FastifyInstance, opts: Partial<AuthRateLimitOptions>) {
    const settings = { ...DEFAULT_AUTH_RATE_LIMIT, ...opts };
    const windows = new Map<string, Window>();

    const forgetExpired = (now: number) => {
      for (const [ip, window] of windows) if (window.resetAt <= now) windows.delete(ip);
      // Still full: forget the oldest windows (a Map iterates in insertion order).
      for (const ip of windows.keys()) {
        if (windows.size < settings.maxTrackedClients) break;
        windows.delete(ip);
      }
    };

    const countAuthFailure = (address: string): number | null => {
      const now = Date.now();
      let window = windows.get(address);
      if (!window || window.resetAt <= now) {
        if (!window && windows.size >= settings.maxTrackedClients) forgetExpired(now);
        window = { failures: 0, resetAt: now + settings.windowMs };
        windows.delete(address);
        windows.set(address, window);
      }
      window.failures += 1;
      return window.failures > settings.maxFailures ? Math.max(1, Math.ceil((window.resetAt - now) / 1000)) : null;
    };

    app.decorate('countAuthFailure', countAuthFailure);
    app.decorate('recordAuthFailure', (request: FastifyRequest, reply: FastifyReply) => {
      const retryAfter = countAuthFailure(request.ip);
      if (retryAfter === null) return;
      reply.header('Retry-After', String(retryAfter));
      throw new HttpError(429, 'rate_limited', `Too many failed authentication attempts from this address; retry in ${retryAfter} s`);
    });
  },
  { name: 'auth-rate-limit' },
);

import { isIP } from 'node:net';

/** The ranges proxy-addr (Fastify's trustProxy) knows by name. */
const NAMED_RANGES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Fastify's `trustProxy`: which proxies' X-Forwarded-For may name the client. */
export type TrustProxy = false | string[];

/**
 * SWITCHYARD_TRUST_PROXY: a comma-separated list of addresses, CIDR ranges or the names `loopback`,
 * `linklocal` and `uniquelocal` (private ranges: 10/8, 172.16/12, 192.168/16, fc00::/7). Requests from
 * those addresses are taken to come from the address their X-Forwarded-For names, so the failed-
 * authentication limit counts each client, not the load balancer. Unset: no proxy is trusted.
 * Returns the list, or a message for a value that is not one.
 */
export function parseTrustProxy(value: string | undefined): TrustProxy | { problem: string } {
  if (value === undefined) return false;
  const entries = value.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (NAMED_RANGES.has(entry)) continue;
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 6 ? 128 : 32;
    const validBits = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= maxBits);
    if (family === 0 || !validBits || rest.length > 0) {
      return { problem: 'must be a comma-separated list of IP addresses, CIDR ranges, loopback, linklocal or uniquelocal' };
    }
  }
  return entries;
}

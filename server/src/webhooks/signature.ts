/**
 * How a delivery is signed, and how a receiver checks it.
 *
 * Every delivery is a POST whose headers carry:
 *   X-Switchyard-Event: the audit action, e.g. `flag.toggled`
 *   X-Switchyard-Delivery: the delivery id (the same on every attempt of one delivery)
 *   X-Switchyard-Signature: `t=<unix seconds>,v1=<hex>`, where v1 = HMAC-SHA256(signingSecret, `${t}.${body}`)
 * The key is the whole signing secret as UTF-8 (`whsec_` included); `body` is the raw request body,
 * byte for byte as received (verify before parsing: a re-serialized JSON body may differ).
 *
 * A receiver:
 * 1. splits the header into `t` and `v1` (refusing any other shape);
 * 2. refuses the request when `t` is more than 5 minutes from its own clock (either way): the replay
 *    window. Each attempt is signed afresh with the time it is sent, so a retry hours
 *    later still passes, while a request captured and replayed later does not;
 * 3. computes HMAC-SHA256(secret, `${t}.${rawBody}`) and compares it with `v1` in constant time;
 * 4. drops an X-Switchyard-Delivery id it has already handled: a delivery is attempted once per claim,
 *    but a replica that dies after the receiver answered and before the answer was recorded means the
 *    delivery is sent again (at least once, not exactly once, from the receiver's side).
 * While a secret is being rotated, a receiver can accept a signature made with either secret.
 * README.md ("Webhooks") shows it in a few lines of Node; test/server/webhooks/ verifies that way.
 */
import { createHmac, randomBytes } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-switchyard-signature';
export const EVENT_HEADER = 'x-switchyard-event';
export const DELIVERY_HEADER = 'x-switchyard-delivery';

/** A new signing secret: a readable prefix and 256 bits of randomness. */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

const hmac = (secret: string, timestamp: number, body: string) => createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');

/** The X-Switchyard-Signature header of `body` sent at `timestamp` (unix seconds). */
export function signatureHeader(secret: string, body: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmac(secret, timestamp, body)}`;
}

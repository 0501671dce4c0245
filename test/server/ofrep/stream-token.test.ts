import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { StreamTokens } from '../../../server/src/ofrep/stream-token.ts';

const grant = { environmentId: 'env-1', environmentKey: 'production', tokenId: 'key-1' };
const HOUR = 3_600_000;

describe('stream tokens', () => {
  it('grant what they were issued for, and stay the same within an hour', () => {
    let now = Date.UTC(2026, 11, 2, 10, 5);
    const tokens = new StreamTokens(randomBytes(32), () => now);
    const token = tokens.issue(grant);
    expect(tokens.verify(token)).toEqual({ ...grant, expiresAt: Date.UTC(2026, 11, 2, 12) / 1000 });
    now += 50 * 60_000;
    expect(tokens.issue(grant)).toBe(token);
    expect(tokens.issue({ ...grant, tokenId: 'key-2' })).not.toBe(token);
  });

  it('expire at the end of the hour after the one they were issued in', () => {
    let now = Date.UTC(2026, 11, 2, 10, 59);
    const tokens = new StreamTokens(randomBytes(32), () => now);
    const token = tokens.issue(grant);
    now += HOUR; // 11:59: still valid
    expect(tokens.verify(token)).not.toBeNull();
    expect(tokens.issue(grant)).not.toBe(token);
    now = Date.UTC(2026, 11, 2, 12); // the end of 11:00-12:00
    expect(tokens.verify(token)).toBeNull();
  });

  it('are refused when signed with another secret, altered or malformed', () => {
    const tokens = new StreamTokens(randomBytes(32));
    const other = new StreamTokens(randomBytes(32));
    const token = tokens.issue(grant);
    expect(other.verify(token)).toBeNull();
    const [payload, signature] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify(['env-2', 'staging', 'key-1', 9_999_999_999])).toString('base64url');
    expect(tokens.verify(`${forged}.${signature}`)).toBeNull();
    for (const bad of ['', '.', 'abc', `${payload}.`, `.${signature}`, `${payload}.${signature}x`]) expect(tokens.verify(bad)).toBeNull();
  });
});

/** Every way of building a client runs `matches` rules protected by V8's linear-time regular expression fallback. */
import { describe, expect, it } from 'vitest';
import { evaluateCatastrophicMatch } from '../helpers/catastrophic-match.ts';

describe('clients and catastrophic patterns', () => {
  it.each([
    ['createClient', 'createClient({ bootstrap: snapshot })'],
    ['new FlagsClient', 'new FlagsClient({ bootstrap: snapshot })'],
  ])('%s finishes a pattern the schemas accept but that backtracks for hours', { timeout: 30_000 }, async (_way, build) => {
    const value = await evaluateCatastrophicMatch(`
      const { createClient, FlagsClient } = await import('@switchyard/sdk');
      const client = ${build};
      async function evaluateChecked(context) {
        return client.evaluate('checked', context, true).value;
      }
    `);
    expect(value).toBe(false);
  });
});

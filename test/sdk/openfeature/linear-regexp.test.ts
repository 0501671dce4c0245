/**
 * An application that only uses the OpenFeature provider runs `matches` rules protected by V8's
 * linear-time regular expression fallback, as one using createClient does.
 */
import { describe, expect, it } from 'vitest';
import { compileSafeRegex } from '../../../sdk/src/model/index.ts';
import { CATASTROPHIC_PATTERN, evaluateCatastrophicMatch } from '../helpers/catastrophic-match.ts';

describe('SwitchyardProvider and catastrophic patterns', () => {
  it('finishes a pattern the schemas accept but that backtracks for hours', { timeout: 30_000 }, async () => {
    expect(compileSafeRegex(CATASTROPHIC_PATTERN).ok).toBe(true);
    const value = await evaluateCatastrophicMatch(`
      const { SwitchyardProvider } = await import('@switchyard/sdk/openfeature');
      const provider = new SwitchyardProvider({ bootstrap: snapshot });
      async function evaluateChecked({ key, email }) {
        return (await provider.resolveBooleanEvaluation('checked', true, { targetingKey: key, email })).value;
      }
    `);
    expect(value).toBe(false);
  });
});

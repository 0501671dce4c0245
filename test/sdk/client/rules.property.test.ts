/**
 * RuleSet.applyPatch, whichever way it takes (a patch of flags prepared alone, or the whole snapshot
 * compared), ends where a full prepare of the patched snapshot ends, reports exactly the flags that
 * may evaluate differently (changedFlagKeys of the two snapshots), and never changes a snapshot it
 * was given (a caller's bootstrap).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changedFlagKeys } from '../../../sdk/src/client/changes.ts';
import { RuleSet } from '../../../sdk/src/client/rules.ts';
import { prepareSnapshot } from '../../../sdk/src/engine/index.ts';
import type { FlagDefinition, Snapshot } from '../../../sdk/src/model/index.ts';
import { applied, observe, patchArb, snapshotArb } from '../helpers/snapshot-arbitraries.ts';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261203) });

describe('RuleSet.applyPatch', () => {
  it('evaluates like a full prepare of the patched snapshot and reports the flags that changed', () => {
    fc.assert(
      fc.property(snapshotArb, fc.array(patchArb, { minLength: 1, maxLength: 5 }), (start, patches) => {
        const given = structuredClone(start);
        const rules = new RuleSet();
        rules.replace(start);
        let expected: Snapshot = structuredClone(start);
        let nextVersion = 1001;
        for (const generated of patches) {
          // As the server sends them: a changed definition always comes with a new version.
          const patch = {
            ...generated,
            flags: generated.flags.map(([k, f]) => [k, f && { ...f, version: nextVersion++ }] as [string, FlagDefinition | null]),
          };
          const before = expected;
          expected = applied(before, patch);
          const outcome = rules.applyPatch({
            fromVersion: before.version,
            version: expected.version,
            flags: Object.fromEntries(patch.flags),
            segments: Object.fromEntries(patch.segments),
          });
          expect(outcome).toEqual({ kind: 'applied', changed: changedFlagKeys(before, expected) });
          expect(observe(rules.prepared!)).toEqual(observe(prepareSnapshot(expected)));
          expect(rules.snapshot).toEqual(expected);
        }
        expect(start).toEqual(given);
      }),
      { numRuns: 300 },
    );
  });
});

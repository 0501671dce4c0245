/**
 * prepareSnapshotFrom (a patch re-prepares only the flags it changes) evaluates exactly like a full
 * prepare of the patched snapshot: on generated snapshots (targets, rules with segmentMatch and
 * rollouts, prerequisites and their cycles, nested segments, malformed flags and segments) and chains
 * of generated patches (flags changed, added and removed, sometimes segments), each applied to the
 * previous incremental result the way the client applies a patch (unchanged definitions copied by
 * reference), counted and uncounted.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareSnapshot } from '../../../sdk/src/engine/index.ts';
import { prepareCountedSnapshot, preparePatched, prepareSnapshotFrom } from '../../../sdk/src/engine/prepare/snapshot.ts';
import { EvaluationCounters } from '../../../sdk/src/engine/prepared.ts';
import type { FlagDefinition, Snapshot } from '../../../sdk/src/model/index.ts';
import { applied, observe, patchArb, snapshotArb } from '../helpers/snapshot-arbitraries.ts';

/** One fixed seed by default (FC_SEED=<n> for another), so the suite is deterministic. */
fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261203) });

const counters = () => new EvaluationCounters(() => {}, 100);

describe('prepareSnapshotFrom', () => {
  for (const counted of [false, true]) {
    it(`evaluates like a full prepare after every patch of a chain (${counted ? 'counted' : 'uncounted'})`, () => {
      const full = (s: Snapshot) => (counted ? prepareCountedSnapshot(s, counters()) : prepareSnapshot(s));
      let reusedSome = 0;
      fc.assert(
        fc.property(snapshotArb, fc.array(patchArb, { minLength: 1, maxLength: 4 }), (start, patches) => {
          let snapshot = start;
          let prepared = full(start);
          for (const patch of patches) {
            const next = applied(snapshot, patch);
            const incremental = prepareSnapshotFrom(next, { snapshot, prepared }, counted ? counters() : null);
            expect(observe(incremental)).toEqual(observe(full(next)));
            for (const [k, f] of incremental.flags) {
              expect(f.counts === null).toBe(!counted);
              if (f === prepared.flags.get(k)) reusedSome++;
            }
            snapshot = next;
            prepared = incremental;
          }
        }),
        { numRuns: 400 },
      );
      // The generated patches do exercise reuse, not only the fallback.
      expect(reusedSome).toBeGreaterThan(300);
    });
  }
});

describe('preparePatched', () => {
  for (const counted of [false, true]) {
    it(`evaluates like a full prepare after every patch of flags it accepts (${counted ? 'counted' : 'uncounted'})`, () => {
      const full = (s: Snapshot) => (counted ? prepareCountedSnapshot(s, counters()) : prepareSnapshot(s));
      let accepted = 0;
      let refused = 0;
      fc.assert(
        fc.property(snapshotArb, fc.array(patchArb, { minLength: 1, maxLength: 4 }), (start, patches) => {
          let snapshot = start;
          let prepared = full(start);
          for (const generated of patches) {
            const patch = { ...generated, segments: [] };
            const next = applied(snapshot, patch);
            const changes = new Map<string, FlagDefinition | null>(patch.flags.filter(([k, f]) => f !== null || k in snapshot.flags));
            const incremental = preparePatched(prepared, next.version, changes, counted ? counters() : null);
            if (incremental === undefined) {
              refused++;
              prepared = full(next);
            } else {
              accepted++;
              expect(observe(incremental)).toEqual(observe(full(next)));
              for (const [k, f] of incremental.flags) {
                expect(f.counts === null).toBe(!counted);
                if (!changes.has(k)) expect(f).toBe(prepared.flags.get(k));
              }
              prepared = incremental;
            }
            snapshot = next;
          }
        }),
        { numRuns: 400 },
      );
      // Both ways are exercised: patches it prepares itself, and patches touching prerequisites it refuses.
      expect(accepted).toBeGreaterThan(100);
      expect(refused).toBeGreaterThan(50);
    });
  }
});

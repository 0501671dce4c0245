/**
 * Evaluation counting in the engine: a snapshot prepared with counters counts every top-level
 * evaluation (evaluate, isEnabled, allFlags) per flag and variation or error kind, and nothing else;
 * a harvest reads and resets the counts; unknown flag keys are counted up to a bound.
 */
import { describe, expect, it } from 'vitest';
import { type CountVisitor, harvestCounts, recountAsError } from '../../../sdk/src/engine/counters.ts';
import { servedVariation } from '../../../sdk/src/engine/evaluate.ts';
import { allFlags, evaluate, isEnabled, prepareSnapshot } from '../../../sdk/src/engine/index.ts';
import { prepareCountedSnapshot } from '../../../sdk/src/engine/prepare/snapshot.ts';
import { EvaluationCounters, type PreparedSnapshot } from '../../../sdk/src/engine/prepared.ts';
import type { Snapshot } from '../../../sdk/src/model/index.ts';
import { flag, snapshot } from './helpers.ts';

const rules = snapshot([
  flag('checkout', { targets: [{ variation: 1, values: ['blocked'] }] }),
  flag('copy', { kind: 'string', variations: ['Buy now', 'Order', 'Get it'], fallthrough: { variation: 2 } }),
  flag('parent', { prerequisites: [{ key: 'checkout', variation: 0 }] }),
  flag('broken', { fallthrough: { variation: 7 } }),
  flag('guarded', { guardedMetrics: ['purchase'] }),
]);

type Exposure = [flag: string, variation: number, contextKey: string];

function counted(source: Snapshot = rules, maxUnknownKeys = 1000) {
  const exposures: Exposure[] = [];
  const counters = new EvaluationCounters((f, variation, key) => exposures.push([f.key, variation, key]), maxUnknownKeys);
  return { prepared: prepareCountedSnapshot(source, counters), exposures };
}

/** Harvests into { 'flag/variation-or-error': count } plus the uncounted total. */
function harvest(prepared: PreparedSnapshot) {
  const counts: Record<string, number> = {};
  const visit: CountVisitor = (flagKey, outcome, count) => {
    counts[`${flagKey}/${outcome}`] = (counts[`${flagKey}/${outcome}`] ?? 0) + count;
  };
  const uncounted = harvestCounts(prepared, visit);
  return { counts, uncounted };
}

describe('evaluation counting in a counted snapshot', () => {
  it('counts evaluate, isEnabled and allFlags per flag and served variation', () => {
    const { prepared } = counted();
    evaluate(prepared, 'checkout', { key: 'ana' }, false);
    evaluate(prepared, 'checkout', { key: 'blocked' }, false);
    isEnabled(prepared, 'checkout', { key: 'bo' });
    isEnabled(prepared, 'checkout', { key: 'blocked' });
    evaluate(prepared, 'copy', { key: 'ana' }, 'default');
    allFlags(prepared, { key: 'cy' });

    expect(harvest(prepared)).toEqual({
      counts: {
        'checkout/0': 3,
        'checkout/1': 2,
        'copy/2': 2,
        'parent/0': 1,
        'broken/MALFORMED_FLAG': 1,
        'guarded/0': 1,
      },
      uncounted: 0,
    });
  });

  it('counts each error kind against its flag, and unknown keys by key', () => {
    const { prepared } = counted();
    evaluate(prepared, 'nope', { key: 'ana' }, false);
    isEnabled(prepared, 'nope', { key: 'ana' });
    evaluate(prepared, 'checkout', {}, false);
    isEnabled(prepared, 'checkout', { key: '' });
    evaluate(prepared, 'broken', { key: 'ana' }, false);
    isEnabled(prepared, 'broken', { key: 'ana' });
    evaluate(prepared, 'copy', { key: 'ana' }, 42);
    isEnabled(prepared, 'copy', { key: 'ana' });

    expect(harvest(prepared).counts).toEqual({
      'nope/FLAG_NOT_FOUND': 2,
      'checkout/USER_NOT_SPECIFIED': 2,
      'broken/MALFORMED_FLAG': 2,
      'copy/WRONG_TYPE': 2,
    });
  });

  it('counts an exception inside the engine as EXCEPTION of that flag', () => {
    const { prepared } = counted();
    const hostile = {
      get key(): string {
        throw new Error('context getter failed');
      },
    };
    expect(evaluate(prepared, 'checkout', hostile as never, false).reason).toEqual({ kind: 'ERROR', errorKind: 'EXCEPTION' });
    expect(isEnabled(prepared, 'checkout', hostile as never)).toBe(false);
    expect(harvest(prepared).counts).toEqual({ 'checkout/EXCEPTION': 2 });
  });

  it('does not count the prerequisites evaluated on the way, nor servedVariation', () => {
    const { prepared } = counted();
    evaluate(prepared, 'parent', { key: 'ana' }, false);
    expect(servedVariation(prepared, prepared.flags.get('checkout')!, { key: 'blocked' })).toBe(1);
    expect(servedVariation(prepared, prepared.flags.get('broken')!, { key: 'ana' })).toBeNull();
    expect(servedVariation(prepared, prepared.flags.get('checkout')!, {})).toBeNull();
    expect(harvest(prepared).counts).toEqual({ 'parent/0': 1 });
  });

  it('a harvest resets the counts: the next one sees only what came after', () => {
    const { prepared } = counted();
    isEnabled(prepared, 'checkout', { key: 'ana' });
    evaluate(prepared, 'nope', { key: 'ana' }, false);
    expect(harvest(prepared).counts).toEqual({ 'checkout/0': 1, 'nope/FLAG_NOT_FOUND': 1 });
    expect(harvest(prepared)).toEqual({ counts: {}, uncounted: 0 });
    isEnabled(prepared, 'checkout', { key: 'ana' });
    expect(harvest(prepared).counts).toEqual({ 'checkout/0': 1 });
  });

  it('counts at most maxUnknownKeys distinct unknown keys; evaluations of more are returned as uncounted', () => {
    const { prepared } = counted(rules, 3);
    for (let i = 0; i < 5; i++) {
      evaluate(prepared, `missing-${i}`, { key: 'ana' }, false);
      evaluate(prepared, `missing-${i}`, { key: 'bo' }, false);
    }
    expect(harvest(prepared)).toEqual({
      counts: { 'missing-0/FLAG_NOT_FOUND': 2, 'missing-1/FLAG_NOT_FOUND': 2, 'missing-2/FLAG_NOT_FOUND': 2 },
      uncounted: 4,
    });
    // The bound is per harvest: once harvested, new keys are counted again.
    evaluate(prepared, 'missing-4', { key: 'ana' }, false);
    expect(harvest(prepared)).toEqual({ counts: { 'missing-4/FLAG_NOT_FOUND': 1 }, uncounted: 0 });
  });

  it('recountAsError moves one evaluation from its variation to an error', () => {
    const { prepared } = counted();
    evaluate(prepared, 'copy', { key: 'ana' }, null);
    evaluate(prepared, 'copy', { key: 'bo' }, null);
    recountAsError(prepared, 'copy', 2, 'WRONG_TYPE');
    expect(harvest(prepared).counts).toEqual({ 'copy/2': 1, 'copy/WRONG_TYPE': 1 });
  });

  it('tells the exposure listener about counted evaluations of guarded flags only', () => {
    const { prepared, exposures } = counted();
    isEnabled(prepared, 'guarded', { key: 'ana' });
    evaluate(prepared, 'guarded', { key: 'bo' }, false);
    evaluate(prepared, 'guarded', {}, false);
    isEnabled(prepared, 'checkout', { key: 'ana' });
    servedVariation(prepared, prepared.flags.get('guarded')!, { key: 'cy' });
    expect(exposures).toEqual([
      ['guarded', 0, 'ana'],
      ['guarded', 0, 'bo'],
    ]);
  });

  it('serves the same results as an uncounted snapshot, even when the exposure listener throws', () => {
    const throwing = new EvaluationCounters(() => {
      throw new Error('listener failed');
    }, 10);
    const prepared = prepareCountedSnapshot(rules, throwing);
    const plain = prepareSnapshot(rules);
    for (const key of ['checkout', 'copy', 'parent', 'broken', 'guarded', 'nope']) {
      for (const context of [{ key: 'ana' }, { key: 'blocked' }, {}]) {
        expect(evaluate(prepared, key, context, false)).toEqual(evaluate(plain, key, context, false));
        expect(isEnabled(prepared, key, context)).toBe(isEnabled(plain, key, context));
      }
    }
    expect(harvest(prepared).counts['guarded/0']).toBe(4);
  });
});

describe('a snapshot prepared without counters (prepareSnapshot, the server)', () => {
  it('has no counts and harvests nothing', () => {
    const prepared = prepareSnapshot(rules);
    isEnabled(prepared, 'checkout', { key: 'ana' });
    evaluate(prepared, 'nope', { key: 'ana' }, false);
    expect([...prepared.flags.values()].every((f) => f.counts === null)).toBe(true);
    expect(harvest(prepared)).toEqual({ counts: {}, uncounted: 0 });
  });
});

describe('guardedMetrics in preparation', () => {
  it('keeps valid event keys once each, at most 20, and never makes the flag malformed', () => {
    const keys = Array.from({ length: 25 }, (_, i) => `metric-${i}`);
    const prepared = prepareSnapshot(
      snapshot([
        flag('a', { guardedMetrics: ['purchase', 'purchase', 'not valid!', 'x'.repeat(101), ...keys] }),
        flag('b', { guardedMetrics: 'purchase' as never }),
        flag('c'),
      ]),
    );
    const a = prepared.flags.get('a')!;
    expect(a.guarded).toBe(true);
    expect(a.guardedMetrics).toEqual(['purchase', ...keys.slice(0, 19)]);
    expect(prepared.flags.get('b')).toMatchObject({ guarded: false, guardedMetrics: [], malformed: false });
    expect(prepared.flags.get('c')).toMatchObject({ guarded: false, malformed: false });
  });
});

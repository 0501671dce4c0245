/**
 * The client's rules applying a patch: the changed keys and evaluations are those of the patched
 * snapshot, only the changed flags are prepared again, and a client that counts evaluations loses and
 * double-counts none across the patch.
 */
import { describe, expect, it } from 'vitest';
import { RuleSet } from '../../../sdk/src/client/rules.ts';
import { allFlags, evaluate } from '../../../sdk/src/engine/index.ts';
import { MetricsRecorder } from '../../../sdk/src/metrics/recorder.ts';
import type { MetricsWindow } from '../../../sdk/src/metrics/window.ts';
import type { Patch } from '../../../sdk/src/model/index.ts';
import { booleanFlag, segment, snapshotOf } from './protocol-server.ts';

const beta = segment('beta', ['ana']);
const inBeta = booleanFlag('in-beta', true, 1, {
  rules: [{ id: 'r1', clauses: [{ attribute: '', op: 'segmentMatch', values: ['beta'] }], variation: 1 }],
  fallthrough: { variation: 0 },
});
const start = snapshotOf(3, [booleanFlag('checkout', true), booleanFlag('theme', false), inBeta], [beta]);

const patch = (fromVersion: number, version: number, flags: Patch['flags'], segments: Patch['segments'] = {}): Patch => ({
  fromVersion,
  version,
  flags,
  segments,
});

/** Evaluations counted per flag and variation or error kind in a window. */
function counted(window: MetricsWindow): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [flagKey, byOutcome] of window.evaluations) for (const [outcome, n] of byOutcome) out[`${flagKey}/${outcome}`] = n;
  return out;
}

describe('RuleSet.applyPatch', () => {
  it('reports the changed keys, evaluates the patched flags, and prepares only those again', () => {
    const rules = new RuleSet();
    rules.replace(start);
    const before = rules.prepared!;

    const outcome = rules.applyPatch(patch(3, 4, { checkout: booleanFlag('checkout', false, 2), added: booleanFlag('added', true) }));

    expect(outcome).toEqual({ kind: 'applied', changed: ['added', 'checkout'] });
    const after = rules.prepared!;
    expect(after.version).toBe(4);
    expect(after.flags.get('theme')).toBe(before.flags.get('theme'));
    expect(after.flags.get('in-beta')).toBe(before.flags.get('in-beta'));
    expect(after.flags.get('checkout')).not.toBe(before.flags.get('checkout'));
    expect(allFlags(after, { key: 'ana' })).toMatchObject({
      checkout: { value: false, reason: { kind: 'OFF' } },
      theme: { value: false, reason: { kind: 'OFF' } },
      'in-beta': { value: true, reason: { kind: 'RULE_MATCH' } },
      added: { value: true, reason: { kind: 'FALLTHROUGH' } },
    });
  });

  it('re-evaluates flags using a patched segment, and reports them', () => {
    const rules = new RuleSet();
    rules.replace(start);
    expect(rules.applyPatch(patch(3, 4, {}, { beta: segment('beta', ['bo'], 2) }))).toEqual({ kind: 'applied', changed: ['in-beta'] });
    expect(evaluate(rules.prepared!, 'in-beta', { key: 'ana' }, null).value).toBe(false);
    expect(evaluate(rules.prepared!, 'in-beta', { key: 'bo' }, null).value).toBe(true);
  });

  it('counts every evaluation once across a patch: harvested when replaced, the rest at the next window', () => {
    const recorder = new MetricsRecorder(0);
    const rules = new RuleSet(recorder);
    rules.replace(start);
    const evaluateN = (flagKey: string, n: number) => {
      for (let i = 0; i < n; i++) evaluate(rules.prepared!, flagKey, { key: `u${i}` }, null);
    };
    evaluateN('checkout', 3);
    evaluateN('theme', 2);

    rules.applyPatch(patch(3, 4, { theme: booleanFlag('theme', true, 2) }));
    expect(rules.prepared!.flags.get('checkout')!.counts).not.toBeNull();
    evaluateN('checkout', 4);
    evaluateN('theme', 5);

    expect(counted(recorder.takeWindow(1))).toEqual({ 'checkout/1': 7, 'theme/0': 2, 'theme/1': 5 });
    expect(counted(recorder.takeWindow(2))).toEqual({});
  });

  it('prepares uncounted rules once the recorder is disabled', () => {
    const recorder = new MetricsRecorder(0);
    const rules = new RuleSet(recorder);
    rules.replace(start);
    recorder.disable();
    rules.applyPatch(patch(3, 4, { theme: booleanFlag('theme', true, 2) }));
    for (const flag of rules.prepared!.flags.values()) expect(flag.counts).toBeNull();
  });
});

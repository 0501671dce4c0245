/**
 * `matches` patterns: catastrophic ones are refused by the API with a field path; patterns it
 * accepts are evaluated against long hostile inputs (remotely and in the SDK engine) and return.
 * No timing threshold: a catastrophic pattern would run for minutes, so finishing is the proof.
 */
import { evaluate, type Snapshot } from '@switchyard/sdk';
import { LIMITS } from '@switchyard/sdk/schema';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/app.ts';

const CATASTROPHIC = ['(a+)+$', '(a*)*b', '(a|aa)+$', '(.*a){20}', '^(([a-z])+.)+[A-Z]([a-z])+$', '(\\w+\\s?)+$', '(x+x+)+y', '\\1(a)'];
const ACCEPTED = ['^[a-z]+-\\d+$', '@example\\.com$', '^(foo|bar)$', '(ab)?c+', '^\\d{3}-\\d{4}$', '[(+*|)]+!$', 'a+?b*?'];
const CONFIG = '/api/flags/checked/environments/production';
const config = (patterns: string[]) => ({
  on: true,
  offVariation: 1,
  fallthrough: { variation: 1 },
  targets: [],
  rules: [{ id: 'r', clauses: [{ attribute: 'email', op: 'matches', values: patterns }], variation: 0 }],
  prerequisites: [],
});

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
  const created = await t.request('POST', '/api/flags', {
    body: { key: 'checked', name: 'Checked', kind: 'boolean', clientSideAvailable: true },
  });
  expect(created.statusCode).toBe(201);
});
afterAll(async () => {
  await t?.close();
});

describe('regular expressions in matches', () => {
  it.each(CATASTROPHIC)('refuses %j in a flag rule and in a segment rule, naming the value', async (pattern) => {
    const flag = await t.request('PUT', CONFIG, { body: config(['ok', pattern]) });
    expect(flag.statusCode).toBe(400);
    expect(flag.json().details).toContainEqual({
      path: 'body.rules[0].clauses[0].values[1]',
      message: expect.stringMatching(/not allowed|catastrophic|backreference/),
    });
    const segment = await t.request('POST', '/api/environments/production/segments', {
      body: { key: 'seg', name: 'Seg', rules: [{ clauses: [{ attribute: 'email', op: 'matches', values: [pattern] }] }] },
    });
    expect(segment.statusCode).toBe(400);
    expect(segment.json().details.map((d: { path: string }) => d.path)).toContain('body.rules[0].clauses[0].values[0]');
  });

  it('refuses a pattern longer than the limit', async () => {
    const res = await t.request('PUT', CONFIG, { body: config(['a'.repeat(LIMITS.maxRegexLength + 1)]) });
    expect(res.statusCode).toBe(400);
    expect(res.json().details[0].path).toBe('body.rules[0].clauses[0].values[0]');
  });

  it('evaluates accepted patterns against long hostile inputs, remotely and in the SDK engine', async () => {
    expect((await t.request('PUT', CONFIG, { body: config(ACCEPTED) })).statusCode).toBe(200);
    const hostile = ['a', '0', ' ', 'ab', 'c'].flatMap((unit) => [
      `${unit.repeat(LIMITS.maxContextStringLength / unit.length - 1)}!`,
      unit.repeat(LIMITS.maxContextStringLength / unit.length),
    ]);

    const clientKey = await t.createToken('client', 'production');
    for (const email of hostile) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/sdk/evaluate',
        headers: { authorization: `Bearer ${clientKey}` },
        payload: { context: { key: 'u', email }, flags: ['checked'] },
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().flags.checked.reason.kind).toMatch(/RULE_MATCH|FALLTHROUGH/);
    }

    const serverKey = await t.createToken('server', 'production');
    const snapshot = (
      await t.app.inject({ method: 'GET', url: '/sdk/snapshot', headers: { authorization: `Bearer ${serverKey}` } })
    ).json() as Snapshot;
    for (const email of hostile.map((h) => h.repeat(10))) {
      const detail = evaluate(snapshot, 'checked', { key: 'u', email }, false);
      expect(detail.reason.kind).toMatch(/RULE_MATCH|FALLTHROUGH/);
    }
    expect(evaluate(snapshot, 'checked', { key: 'u', email: 'x@example.com' }, false).value).toBe(true);
  }, 120_000);

  it('finishes polynomially backtracking patterns it accepts, such as .*.*.*=x, on long input', async () => {
    // Without the linear-time fallback (runtime/linear-regexp.ts) the first call alone ran for 88 s.
    const polynomial = ['.*.*.*=x', '\\d+\\d+\\d+x'];
    expect((await t.request('PUT', CONFIG, { body: config(polynomial) })).statusCode).toBe(200);
    const clientKey = await t.createToken('client', 'production');
    for (const email of ['a'.repeat(10_000), '1'.repeat(10_000)]) {
      const res = await t.request('POST', '/sdk/evaluate', { token: clientKey, body: { context: { key: 'u', email } } });
      expect(res.statusCode).toBe(200);
      expect(res.json().flags.checked.value).toBe(false);
    }
    const serverKey = await t.createToken('server', 'production');
    const snapshot = (await t.request('GET', '/sdk/snapshot', { token: serverKey })).json() as Snapshot;
    expect(evaluate(snapshot, 'checked', { key: 'u', email: 'a'.repeat(50_000) }, true).value).toBe(false);
    expect(evaluate(snapshot, 'checked', { key: 'u', email: 'aa=x' }, false).value).toBe(true);
  }, 120_000);
});

/**
 * The engine alone is safe from polynomial `matches` patterns, with no help from V8: a pattern the
 * schemas accept, `.*.*.*.*.*.*.*.*.*.*=x`, ran for more than 60 s on 101 characters with a backtracking
 * engine. Here the engine (`@switchyard/sdk/engine`, `evaluate` of `@switchyard/sdk` without a client,
 * and the browser bundle) runs in a fresh Node process started with V8's linear-time fallback explicitly
 * off, as in a browser or an edge runtime, and must answer for 101 and 10,000 characters. No timing
 * threshold: the child is killed after a generous timeout, and only a hang reaches it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { compileSafeRegex } from '../../../sdk/src/model/index.ts';
import { bundleEngineForBrowser } from '../helpers/engine-bundle.ts';
import { ruleFlag, snapshot } from './helpers.ts';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const POLYNOMIAL = '.*.*.*.*.*.*.*.*.*.*=x';
const CHILD_TIMEOUT_MS = 20_000;
const NO_FALLBACK = '--no-enable-experimental-regexp-engine-on-excessive-backtracks';

const rules = snapshot([ruleFlag({ attribute: 'email', op: 'matches', values: [POLYNOMIAL] })]);
/** Evaluates flag `f` (true on a match) for the inputs; `evaluate` is in scope where this code runs. */
const evaluations = `
  const rules = ${JSON.stringify(rules)};
  const started = performance.now();
  const results = [101, 10_000, 100_000].map((n) => {
    const miss = evaluate(rules, 'f', { key: 'u', email: 'a'.repeat(n) }, null);
    const hit = evaluate(rules, 'f', { key: 'u', email: 'a'.repeat(n - 2) + '=x' }, null);
    return [miss.value, miss.reason.kind, hit.value, hit.reason.kind];
  });
  console.log(JSON.stringify({ results, ms: Math.round(performance.now() - started) }));
`;
const EXPECTED = [101, 10_000, 100_000].map(() => [false, 'FALLTHROUGH', true, 'RULE_MATCH']);

const work = mkdtempSync(path.join(tmpdir(), 'sy-regex-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs a script in a fresh Node process without V8's fallback; resolves with the last line it printed, parsed. */
async function runWithoutFallback(args: string[]): Promise<{ results: unknown[]; ms: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, [NO_FALLBACK, ...args], {
    cwd: repoRoot,
    timeout: CHILD_TIMEOUT_MS,
    killSignal: 'SIGKILL',
    encoding: 'utf8',
  }).catch((err: { killed?: boolean }) => {
    if (err.killed) throw new Error(`the evaluation did not finish within ${CHILD_TIMEOUT_MS} ms`);
    throw err;
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('a polynomial matches pattern, without V8 linear-time fallback', () => {
  it('is one the schemas accept', () => {
    expect(compileSafeRegex(POLYNOMIAL).ok).toBe(true);
  });

  it.each([
    ['@switchyard/sdk/engine', `const { evaluate } = await import('@switchyard/sdk/engine');`],
    ['@switchyard/sdk without a client', `const { evaluate } = await import('@switchyard/sdk');`],
  ])('evaluates in %s on 101 to 100,000 characters', { timeout: CHILD_TIMEOUT_MS + 10_000 }, async (_entry, load) => {
    // From the repository root (the cwd), where the package resolves to its TypeScript source.
    const source = `${load}\n${evaluations}`;
    const { results } = await runWithoutFallback([
      '--conditions=switchyard-source',
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      source,
    ]);
    expect(results).toEqual(EXPECTED);
  });

  it('evaluates in the browser bundle of the engine', { timeout: CHILD_TIMEOUT_MS + 10_000 }, async () => {
    const bundle = await bundleEngineForBrowser();
    const script = path.join(work, 'bundle.cjs');
    writeFileSync(script, `${bundle.outputFiles[0]!.text}\nconst { evaluate } = switchyard;\n${evaluations}`);
    const { results } = await runWithoutFallback([script]);
    expect(results).toEqual(EXPECTED);
  });
});

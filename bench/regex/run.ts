/**
 * npx tsx bench/regex/run.ts [--quick] [--out FILE]
 *
 * The `matches` operator's two matchers side by side, on the same patterns and inputs in one process:
 * the native RegExp and the linear-time matcher (sdk/src/model/linear-regex/), plus the one the engine
 * picks for the pattern (compileSafeRegex: native when the pattern has no choice to come back to). Prints
 * ns per test() call, the median of several timed runs, and the load average before and after: figures
 * from a busy machine mean little. Native is not timed where it backtracks for hours (it would hang).
 */
import os from 'node:os';
import { LinearMatcher } from '../../sdk/src/model/linear-regex/match.ts';
import { buildNfa } from '../../sdk/src/model/linear-regex/nfa.ts';
import { parsePattern } from '../../sdk/src/model/linear-regex/parse.ts';
import { compileSafeRegex } from '../../sdk/src/model/regex.ts';
import { machine, parseBenchArgs, writeJson } from '../lib/cli.ts';

const args = parseBenchArgs();
const RUNS = args.quick ? 3 : 7;
const MIN_RUN_MS = args.quick ? 30 : 300;

interface Case {
  pattern: string;
  /** Native backtracking on the non-matching long input takes hours: not timed. */
  nativeHangs?: boolean;
}

const CASES: Case[] = [
  { pattern: '@example\\.com$' },
  { pattern: '^[a-z]+@[a-z]+\\.com$' },
  { pattern: '^[a-z0-9._-]+@(example|corp)\\.(com|org)$' },
  { pattern: '.*=x' },
  { pattern: '.*.*.*.*.*.*.*.*.*.*=x', nativeHangs: true },
];

/** Inputs of `length` code units: an e-mail at example.com (matching most patterns) and one at example.org. */
function inputs(length: number): [string, string][] {
  const user = (domain: string) => 'x'.repeat(length - domain.length);
  return [
    [`${length} ch, @example.com`, `${user('@example.com')}@example.com`],
    [`${length} ch, @example.org`, `${user('@example.org')}@example.org`],
  ];
}

let sink = 0;

/** Median ns per call of `test(input)`, over RUNS runs of at least MIN_RUN_MS each. */
function nsPerCall(test: (input: string) => boolean, input: string): number {
  let calls = 1;
  for (;;) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) if (test(input)) sink++;
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (ms >= MIN_RUN_MS / 4) {
      calls = Math.max(1, Math.ceil((calls * MIN_RUN_MS) / Math.max(ms, 0.001)));
      break;
    }
    calls *= 4;
  }
  const runs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const started = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) if (test(input)) sink++;
    runs.push(Number(process.hrtime.bigint() - started) / calls);
  }
  runs.sort((a, b) => a - b);
  return runs[runs.length >> 1]!;
}

function linearOf(pattern: string): LinearMatcher {
  const parsed = parsePattern(pattern);
  const nfa = parsed.ok ? buildNfa(parsed.node) : undefined;
  if (!nfa?.ok) throw new Error(`${pattern} is refused`);
  return new LinearMatcher(nfa.nfa);
}

const format = (ns: number | null) => (ns === null ? 'hangs' : ns >= 1e6 ? `${(ns / 1e6).toFixed(2)} ms` : `${Math.round(ns)} ns`);
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

const loadBefore = load();
console.log(`load average ${loadBefore} | ${os.cpus()[0]?.model ?? 'cpu'} | node ${process.version}${args.quick ? ' | --quick' : ''}`);
console.log(`${'pattern'.padEnd(44)} ${'input'.padEnd(22)} ${'native'.padStart(10)} ${'linear'.padStart(10)}  engine uses`);
const rows = [];
for (const { pattern, nativeHangs } of CASES) {
  const native = new RegExp(pattern);
  const linear = linearOf(pattern);
  const compiled = compileSafeRegex(pattern);
  if (!compiled.ok) throw new Error(compiled.message);
  const engineUses = compiled.matcher instanceof RegExp ? 'native' : 'linear';
  for (const [label, input] of [...inputs(30), ...inputs(10_000)]) {
    const matches = linear.test(input);
    const skipNative = nativeHangs === true && !matches;
    if (!skipNative && native.test(input) !== matches) throw new Error(`${pattern}: the matchers disagree on ${label}`);
    const nativeNs = skipNative ? null : nsPerCall((s) => native.test(s), input);
    const linearNs = nsPerCall((s) => linear.test(s), input);
    rows.push({ pattern, input: label, matches, nativeNs, linearNs, engineUses });
    console.log(
      `${pattern.padEnd(44)} ${label.padEnd(22)} ${format(nativeNs).padStart(10)} ${format(linearNs).padStart(10)}  ${engineUses}`,
    );
  }
}
const loadAfter = load();
console.log(`load average ${loadAfter} (${sink > 0 ? 'checked' : 'no matches'})`);
if (args.out) writeJson(args.out, { machine: machine(), loadBefore, loadAfter, runs: RUNS, minRunMs: MIN_RUN_MS, rows });

/**
 * Simulated guarded rollouts: `npx tsx bench/release/simulate.ts [--plans 1000] [--seed 1] [--out FILE]`.
 * Prints a markdown table (the one in bench/README.md, "Guarded rollouts: the statistics (simulated)")
 * and writes the figures as JSON with `--out`. Deterministic: the same options give the same table.
 */
import { performance } from 'node:perf_hooks';
import { machine, parseBenchArgs, writeJson } from '../lib/cli.ts';
import {
  DOUBLED_ERRORS,
  fixedSampleJudge,
  type Judge,
  NO_REGRESSION,
  SCENARIOS,
  type Scenario,
  type ScenarioSummary,
  simulateScenario,
} from './simulator.ts';

const args = parseBenchArgs();
const plans = Number(args.values.get('plans') ?? (args.quick ? 200 : 1000));
const seed = Number(args.values.get('seed') ?? 1);
if (!Number.isInteger(plans) || plans < 1 || !Number.isInteger(seed)) {
  console.error('usage: npx tsx bench/release/simulate.ts [--plans N] [--seed N] [--quick] [--out FILE]');
  process.exit(2);
}

type Row = ScenarioSummary & { test: string; seconds: number };
const runs: { scenario: Scenario; test: string; judge?: Judge }[] = [
  ...SCENARIOS.map((scenario) => ({ scenario, test: 'always-valid' })),
  // The same plans judged with an ordinary 95 % interval every minute: what peeking does to it.
  { scenario: NO_REGRESSION, test: 'fixed-n z, every minute', judge: fixedSampleJudge() },
  { scenario: DOUBLED_ERRORS, test: 'fixed-n z, every minute', judge: fixedSampleJudge() },
];

const rows: Row[] = [];
for (const { scenario, test, judge } of runs) {
  const started = performance.now();
  const summary = simulateScenario(scenario, judge ? { plans, seed, judge } : { plans, seed });
  rows.push({ ...summary, test, seconds: Number(((performance.now() - started) / 1000).toFixed(2)) });
}

const share = (count: number) => `${((100 * count) / plans).toFixed(1)} %`;
const orDash = (value: number | null) => (value === null ? '-' : String(Math.round(value)));
const table = [
  '| scenario | metric | traffic (contexts/min) | old -> new | tolerance | test | rolled back | rolled back before 50 % | median minutes to detect | median new-variation contexts at detection |',
  '| --- | --- | ---: | --- | --- | --- | ---: | ---: | ---: | ---: |',
  ...rows.map((r) =>
    [
      r.name,
      r.metric,
      r.trafficPerMinute.toLocaleString('en-US'),
      r.effect,
      r.tolerance,
      r.test,
      share(r.rolledBack),
      share(r.rolledBackBefore50),
      orDash(r.medianMinutesToDetect),
      orDash(r.medianNewContextsAtDetection),
    ].join(' | '),
  ),
].map((line) => (line.startsWith('| ') ? line : `| ${line} |`));

console.log(`${plans} plans per row, seed ${seed}\n`);
console.log(table.join('\n'));
const stalled = rows.filter((r) => r.stalled > 0);
if (stalled.length > 0) console.log(`\nstalled (short of 100 % after 7 days): ${stalled.map((r) => `${r.name} ${r.stalled}`).join(', ')}`);
console.log(
  `\n${rows.length} rows in ${rows.reduce((total, r) => total + r.seconds, 0).toFixed(1)} s (slowest row ${Math.max(...rows.map((r) => r.seconds))} s)`,
);

if (args.out) {
  writeJson(args.out, { plans, seed, machine: machine(), rows });
  console.log(`wrote ${args.out}`);
}

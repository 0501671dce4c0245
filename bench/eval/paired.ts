/**
 * npx tsx bench/eval/paired.ts [--blocks N] [--block-ms MS] [--out FILE]
 *
 * What evaluation counting costs, measured paired: both clients of bench:eval's client rows
 * (`switchyard-client`, metrics off; `switchyard-client-metrics`, counting) live in ONE process and
 * take turns timing blocks of evaluations over the same 10,000 contexts, in alternating order. Each
 * pair of neighbouring blocks gives a ratio; the median ratio is the overhead. bench:eval's rows run
 * each system in processes of their own, and on a shared 2-core VM two processes of the same code
 * differ by up to ±25 % (JIT decisions, memory placement), far more than what is measured here.
 */
import { parseArgs } from 'node:util';
import { createClient, type FlagsClient, type Snapshot } from '@switchyard/sdk';
import { writeJson } from '../lib/cli.ts';
import { generateContexts } from './contexts.ts';
import { CASES, FLAG_KEYS } from './spec.ts';
import { flagDefinition, snapshot } from './switchyard-flags.ts';

const { values: args } = parseArgs({
  options: {
    blocks: { type: 'string', default: '150' },
    'block-ms': { type: 'string', default: '20' },
    out: { type: 'string' },
  },
});
const BLOCKS = Number(args.blocks);
const BLOCK_MS = Number(args['block-ms']);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const contexts = generateContexts().map((c) => ({ key: c.key, email: c.email, country: c.country }));

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const METHODS = ['isEnabled', 'variation'] as const;
type Method = (typeof METHODS)[number];

/** One pass over every context; a function of its own per client and method, so each stays monomorphic. */
function passOf(client: FlagsClient, key: string, method: Method): () => number {
  const call = method === 'isEnabled' ? 'client.isEnabled(key, contexts[i])' : 'client.variation(key, contexts[i], false) === true';
  return new Function(
    'client',
    'key',
    'contexts',
    `return function pass() { let t = 0; for (let i = 0; i < contexts.length; i++) if (${call}) t++; return t; }`,
  )(client, key, contexts);
}

const results: Record<string, { withoutNs: number; withNs: number; overheadPct: number; ratioIqr: [number, number] }> = {};
for (const [caseName, method] of CASES.flatMap((c) => METHODS.map((m) => [c, m] as const))) {
  const row = `${caseName} ${method}`;
  const key = FLAG_KEYS[caseName];
  const rules = snapshot({ [key]: flagDefinition(key, caseName) }) as Snapshot;
  const without = createClient({ bootstrap: rules, sendMetrics: false, logger: silent });
  // Counting on (a url and sendMetrics); the url is never called: no stream, polls an hour apart.
  const counting = createClient({
    bootstrap: rules,
    url: 'http://127.0.0.1:9',
    sdkKey: 'bench',
    streaming: false,
    pollIntervalMs: 3_600_000,
    logger: silent,
  });
  counting.on('error', () => undefined);
  const variants = [
    { pass: passOf(without, key, method), times: [] as number[] },
    { pass: passOf(counting, key, method), times: [] as number[] },
  ];
  if (variants[0]!.pass() !== variants[1]!.pass()) throw new Error(`${row}: the two clients disagree`);
  for (let w = 0; w < 20; w++) for (const v of variants) v.pass();
  const started = process.hrtime.bigint();
  let calibration = 0;
  while (Number(process.hrtime.bigint() - started) < 50e6) {
    variants[0]!.pass();
    calibration++;
  }
  const passes = Math.max(1, Math.round((BLOCK_MS * 1e6) / (Number(process.hrtime.bigint() - started) / calibration)));
  for (let b = 0; b < BLOCKS; b++) {
    for (const v of b % 2 ? [...variants].reverse() : variants) {
      const s = process.hrtime.bigint();
      for (let p = 0; p < passes; p++) v.pass();
      v.times.push(Number(process.hrtime.bigint() - s) / (passes * contexts.length));
    }
  }
  const ratios = variants[1]!.times.map((t, i) => t / variants[0]!.times[i]!).sort((a, b) => a - b);
  const quartile = (p: number) => Math.round(ratios[Math.floor(p * (ratios.length - 1))]! * 1000) / 1000;
  results[row] = {
    withoutNs: Math.round(median(variants[0]!.times) * 10) / 10,
    withNs: Math.round(median(variants[1]!.times) * 10) / 10,
    overheadPct: Math.round((median(ratios) - 1) * 1000) / 10,
    ratioIqr: [quartile(0.25), quartile(0.75)],
  };
  await Promise.all([without.close(), counting.close()]);
}

console.log(`evaluation counting, paired in one process (${BLOCKS} blocks of ${BLOCK_MS} ms per client; budget +10 %):`);
for (const [row, r] of Object.entries(results)) {
  console.log(
    `  ${row.padEnd(18)} ${r.withoutNs} -> ${r.withNs} ns/eval: ${r.overheadPct > 0 ? '+' : ''}${r.overheadPct} % ` +
      `(ratio IQR ${r.ratioIqr[0]}-${r.ratioIqr[1]})${r.overheadPct > 10 ? ' OVER BUDGET' : ''}`,
  );
}
if (args.out) writeJson(args.out, { blocks: BLOCKS, blockMs: BLOCK_MS, results });

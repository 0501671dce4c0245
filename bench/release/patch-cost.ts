/**
 * npx tsx bench/release/patch-cost.ts [--baseline DIR] [--clients N] [--flags N] [--rounds N] [--out FILE]
 *
 * What one streaming SDK client spends on a patch: the frame's text parsed and checked, the patch
 * applied to its rules (re-preparing what changed) and the changed keys found, then one evaluation of
 * the changed flag, as `createClient` does at every patch. bench:release's rollback reach puts 500
 * clients in one load process, which works through them one after the other, so this cost times 500
 * is most of its p99.
 *
 * `--baseline DIR` (a checkout of another commit, e.g. `git worktree add /tmp/base HEAD`) measures that
 * checkout's SDK sources beside this one's in the same process, in alternating rounds: each round,
 * every client of one implementation applies the next patch, then every client of the other.
 */
import { parseArgs } from 'node:util';
import { writeJson } from '../lib/cli.ts';

const { values: args } = parseArgs({
  options: {
    baseline: { type: 'string' },
    clients: { type: 'string', default: '500' },
    flags: { type: 'string', default: '201' },
    rounds: { type: 'string', default: '40' },
    out: { type: 'string' },
  },
});
const CLIENTS = Number(args.clients);
const FLAGS = Number(args.flags);
const ROUNDS = Number(args.rounds);

/** A flag as the server streams it for a plan's stage: a rollout between `true` and `false`. */
function flag(key: string, version: number, percent: number) {
  return {
    key,
    kind: 'boolean',
    variations: [true, false],
    salt: key,
    version,
    clientSideAvailable: false,
    on: true,
    offVariation: 1,
    prerequisites: [],
    targets: [],
    rules: [],
    fallthrough: {
      rollout: {
        variations: [
          { variation: 0, weight: percent * 1000 },
          { variation: 1, weight: 100_000 - percent * 1000 },
        ],
      },
    },
  };
}

const PROBE = 'rollback-probe';
const flags: Record<string, unknown> = {};
for (let i = 0; i < FLAGS - 1; i++) flags[`release-${i}`] = flag(`release-${i}`, 4, 100);
flags[PROBE] = flag(PROBE, 1, 50);
const SNAPSHOT_TEXT = JSON.stringify({ type: 'snapshot', snapshot: { environment: 'production', version: 1, flags, segments: {} } });

/** Patch r takes the probe from version r to r + 1, alternating 50 % and 0 %. */
const patchText = (r: number) =>
  JSON.stringify({ type: 'patch', fromVersion: r, version: r + 1, flags: { [PROBE]: flag(PROBE, r + 1, r % 2 ? 0 : 50) }, segments: {} });

type Implementation = { name: string; clients: { apply(text: string): void }[]; ms: number[] };

async function load(name: string, root: string): Promise<Implementation> {
  const { RuleSet } = await import(`${root}/sdk/src/client/rules.ts`);
  const { parseServerMessage } = await import(`${root}/sdk/src/client/messages.ts`);
  const { evaluate } = await import(`${root}/sdk/src/engine/index.ts`);
  const context = { key: 'probe-user' };
  const clients = [];
  let sink = 0;
  for (let c = 0; c < CLIENTS; c++) {
    const rules = new RuleSet();
    rules.replace(parseServerMessage(SNAPSHOT_TEXT).snapshot);
    clients.push({
      apply(text: string) {
        const message = parseServerMessage(text);
        const outcome = rules.applyPatch(message);
        if (outcome.kind !== 'applied') throw new Error(`${name}: patch ${outcome.kind}`);
        if (outcome.changed.includes(PROBE)) sink += evaluate(rules.prepared, PROBE, context).variationIndex ?? 0;
      },
    });
  }
  if (sink < 0) console.log(sink);
  return { name, clients, ms: [] };
}

const here = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const implementations = [await load('this checkout', here)];
if (args.baseline) implementations.unshift(await load('baseline', args.baseline.replace(/\/$/, '')));

const WARM_UP = 5;
for (let r = 1; r <= WARM_UP + ROUNDS; r++) {
  const text = patchText(r);
  const order = r % 2 ? implementations : [...implementations].reverse();
  for (const impl of order) {
    const started = performance.now();
    for (const client of impl.clients) client.apply(text);
    if (r > WARM_UP) impl.ms.push(performance.now() - started);
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const rows = implementations.map((impl) => ({
  implementation: impl.name,
  clients: CLIENTS,
  flags: FLAGS,
  allClientsMedianMs: Math.round(median(impl.ms) * 10) / 10,
  perClientMedianUs: Math.round((median(impl.ms) * 1000) / CLIENTS),
}));
console.table(rows);
if (args.out) writeJson(args.out, { rounds: ROUNDS, rows });

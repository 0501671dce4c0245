/**
 * Shared harness for one system's child process.
 *
 *   node --import tsx bench/eval/systems/<name>.ts --contexts F --case C --runs N --min-run-ms M --result OUT
 *   node --expose-gc --import tsx bench/eval/systems/switchyard.ts --memory --result OUT
 *
 * The system file only builds its flag and returns how to evaluate one
 * (pre-converted) context; the harness does warm-up, calibration and timing
 * with process.hrtime.bigint(), and writes a JSON result file for run.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { BenchContext, CaseName } from './spec.ts';

export interface PreparedCase<N> {
  /** Converts a bench context into the SDK's native context (done once, before timing). */
  toNative(ctx: BenchContext): N;
  /** Evaluates the case's flag for one native context; exactly one of these. */
  evalSync?: (ctx: N) => boolean;
  evalAsync?: (ctx: N) => Promise<boolean>;
  /** One-line description of the API call being timed. */
  api: string;
  /** Optional untimed consistency check over all native contexts (throw to fail). */
  verify?(contexts: N[]): void;
  close?(): void | Promise<void>;
}

export interface SystemDef {
  name: string;
  setup(caseName: CaseName): Promise<PreparedCase<any>>;
  /** Optional: memory footprint measurement (only switchyard). */
  memory?(): Promise<Record<string, unknown>>;
}

export interface ChildResult {
  system: string;
  case: CaseName;
  api: string;
  async: boolean;
  warmupPasses: number;
  passesPerRun: number;
  evalsPerRun: number;
  /** ns per evaluation, one per timed run. */
  runs: number[];
  shareTrueRandom: number;
  /** Cores used by other processes on the machine during the timed runs (Linux; null elsewhere). */
  otherCpuCores: number | null;
  /** '1'/'0' per context (first pass), for run.ts's sanity check. */
  values: string;
}

const WARMUP_PASSES = 3;

/** Whole-machine CPU time (ms, summed over cores) from /proc/stat; undefined off Linux. */
export function machineCpu(): { busyMs: number; idleMs: number } | undefined {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = f;
    const tick = 10; // USER_HZ = 100 on Linux
    return { busyMs: (user + nice + system + irq + softirq + steal) * tick, idleMs: (idle + iowait) * tick };
  } catch {
    return undefined;
  }
}

/** Average number of cores used by OTHER processes between two snapshots (own CPU subtracted). */
export function otherCores(
  m0: ReturnType<typeof machineCpu>,
  m1: ReturnType<typeof machineCpu>,
  ownCpuMs: number,
  wallMs: number,
): number | undefined {
  if (!m0 || !m1 || wallMs <= 0) return undefined;
  return Math.max(0, (m1.busyMs - m0.busyMs - ownCpuMs) / wallMs);
}

export async function runChild(sys: SystemDef): Promise<void> {
  const { values: a } = parseArgs({
    options: {
      contexts: { type: 'string' },
      case: { type: 'string' },
      runs: { type: 'string', default: '7' },
      'min-run-ms': { type: 'string', default: '1000' },
      result: { type: 'string' },
      memory: { type: 'boolean', default: false },
    },
  });
  if (!a.result) throw new Error('--result is required');

  if (a.memory) {
    if (!sys.memory) throw new Error(`${sys.name} has no memory measurement`);
    writeFileSync(a.result, JSON.stringify(await sys.memory()));
    return;
  }

  const caseName = a.case as CaseName;
  const contexts = JSON.parse(readFileSync(a.contexts!, 'utf8')) as BenchContext[];
  const prepared = await sys.setup(caseName);
  const native = contexts.map((c) => prepared.toNative(c));
  const n = native.length;
  prepared.verify?.(native);

  // The pass function counts trues, which also keeps the result alive (no dead-code elimination).
  let pass: () => Promise<number> | number;
  if (prepared.evalSync) {
    const f = prepared.evalSync;
    pass = () => {
      let t = 0;
      for (let i = 0; i < n; i++) if (f(native[i])) t++;
      return t;
    };
  } else if (prepared.evalAsync) {
    const f = prepared.evalAsync;
    pass = async () => {
      let t = 0;
      for (let i = 0; i < n; i++) if (await f(native[i])) t++;
      return t;
    };
  } else throw new Error('system returned neither evalSync nor evalAsync');

  // Values of the first evaluation of each context (untimed), for sanity checking.
  let values = '';
  for (let i = 0; i < n; i++) {
    const v = prepared.evalSync ? prepared.evalSync(native[i]) : await prepared.evalAsync!(native[i]);
    if (typeof v !== 'boolean') throw new Error(`non-boolean result ${JSON.stringify(v)} for ${contexts[i]!.key}`);
    values += v ? '1' : '0';
  }
  let trues = 0;
  for (let i = 0; i < n; i++) if (values.charCodeAt(i) === 49) trues++;

  for (let w = 0; w < WARMUP_PASSES; w++) await pass();

  // Calibrate: passes per run so that one run lasts >= min-run-ms.
  const minRunNs = Number(a['min-run-ms']) * 1e6;
  let calPasses = 0;
  const c0 = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 50e6 || calPasses < 1) {
    await pass();
    calPasses++;
    elapsed = Number(process.hrtime.bigint() - c0);
  }
  const passesPerRun = Math.max(1, Math.ceil(minRunNs / (elapsed / calPasses)));

  const runs: number[] = [];
  const m0 = machineCpu();
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  for (let r = 0; r < Number(a.runs); r++) {
    let t = 0;
    const t0 = process.hrtime.bigint();
    for (let p = 0; p < passesPerRun; p++) t += await pass();
    const ns = Number(process.hrtime.bigint() - t0);
    if (t !== trues * passesPerRun) throw new Error(`non-deterministic results: ${t} trues vs ${trues * passesPerRun} expected`);
    runs.push(ns / (passesPerRun * n));
  }
  const cpu1 = process.cpuUsage(cpu0);
  const otherCpuCores = otherCores(m0, machineCpu(), (cpu1.user + cpu1.system) / 1000, performance.now() - w0);
  await prepared.close?.();

  const result: ChildResult = {
    system: sys.name,
    case: caseName,
    api: prepared.api,
    async: !prepared.evalSync,
    warmupPasses: WARMUP_PASSES,
    passesPerRun,
    evalsPerRun: passesPerRun * n,
    runs,
    shareTrueRandom: trues / n,
    otherCpuCores: otherCpuCores ?? null,
    values,
  };
  writeFileSync(a.result, JSON.stringify(result));
}

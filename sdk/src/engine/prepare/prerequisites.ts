/** Preparing a flag's prerequisites, and finding the flags whose prerequisites form a cycle. */
import type { Reason } from '../../model/index.ts';
import { type PreparedFlag, PreparedPrerequisite } from '../prepared.ts';
import { type FlagBuild, makeDetail } from './flag-build.ts';
import { fail, isRecord, optionalArrayField } from './read.ts';

/** Reads the prerequisites; each failed one serves the off variation `off` with its own PREREQUISITE_FAILED reason. */
export function preparePrerequisites(b: FlagBuild, raw: Record<string, unknown>, off: number): void {
  const flag = b.flag;
  for (const p of optionalArrayField(raw, 'prerequisites')) {
    if (!isRecord(p) || typeof p.key !== 'string') fail('a prerequisite needs a key');
    const v = p.variation;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) fail(`prerequisite ${p.key}: invalid variation`);
    const reason: Reason = Object.freeze({ kind: 'PREREQUISITE_FAILED', prerequisiteKey: p.key });
    flag.prerequisites.push(new PreparedPrerequisite(p.key, v, makeDetail(b, off, reason), undefined));
    flag.prerequisiteKeys.push(p.key);
  }
}

/** Flags that lie on a prerequisite cycle (including a flag that is its own prerequisite). */
export function flagsOnCycles(flags: ReadonlyMap<string, PreparedFlag>): Set<string> {
  // Tarjan's strongly connected components, iterative.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const result = new Set<string>();
  let next = 0;
  for (const start of flags.keys()) {
    if (index.has(start)) continue;
    const work: { node: string; edge: number }[] = [{ node: start, edge: 0 }];
    index.set(start, next);
    low.set(start, next++);
    stack.push(start);
    onStack.add(start);
    while (work.length > 0) {
      const frame = work[work.length - 1]!;
      const edges = flags.get(frame.node)!.prerequisiteKeys;
      if (frame.edge < edges.length) {
        const to = edges[frame.edge++]!;
        if (!flags.has(to)) continue;
        if (!index.has(to)) {
          index.set(to, next);
          low.set(to, next++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, edge: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      if (work.length > 0) {
        const parent = work[work.length - 1]!.node;
        low.set(parent, Math.min(low.get(parent)!, low.get(frame.node)!));
      }
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: string[] = [];
        let n: string;
        do {
          n = stack.pop()!;
          onStack.delete(n);
          component.push(n);
        } while (n !== frame.node);
        const only = component[0]!;
        if (component.length > 1 || flags.get(only)!.prerequisiteKeys.includes(only)) {
          for (const c of component) result.add(c);
        }
      }
    }
  }
  return result;
}

/**
 * Cross-reference validation for the admin API. Unlike the schemas these checks need context (the
 * flag's variations, the environment's segments and the other flags' prerequisites). No zod here.
 */
import type { FlagConfig, Prerequisite, SegmentRule, Snapshot } from '../model/index.ts';
import type { ValidationProblem } from './problem.ts';
import { variationIndexProblems } from './variation-indices.ts';

export interface FlagConfigValidationContext {
  /** Number of variations of the flag being validated. */
  variationCount: number;
  /** Keys of the segments that exist in the environment. */
  segmentKeys: ReadonlySet<string>;
  /** Key of the flag being validated. */
  flagKey: string;
  /** Other flags' prerequisites in the same environment; undefined = the flag does not exist. */
  prerequisitesOf: (flagKey: string) => readonly Prerequisite[] | undefined;
  /**
   * Optional: number of variations of another flag, to check the variation a prerequisite asks for.
   * When absent, prerequisite variations are only checked to be non-negative integers (by the schema).
   */
  variationCountOf?: (flagKey: string) => number | undefined;
}

export interface SegmentValidationContext {
  /** Keys of the segments that exist in the environment (the segment being validated may be included). */
  segmentKeys: ReadonlySet<string>;
  /** Key of the segment being validated. */
  segmentKey: string;
  /** Other segments' rules; undefined = the segment does not exist. */
  rulesOf: (segmentKey: string) => readonly SegmentRule[] | undefined;
}

/**
 * Follows `edges` from `root` through `first` and returns the path from `root` to the first repeated
 * node (e.g. [f, a, b, f] or [f, a, b, a]), or undefined when there is no cycle on the way.
 * `edges` returns undefined for a node that does not exist.
 */
function findCycle(root: string, first: string, edges: (node: string) => readonly string[] | undefined): string[] | undefined {
  const done = new Set<string>();
  const stack: string[] = [root];
  const onStack = new Set<string>([root]);
  const visit = (node: string): string[] | undefined => {
    if (onStack.has(node)) return [...stack, node];
    if (done.has(node)) return undefined;
    const next = edges(node);
    if (next === undefined) return undefined;
    stack.push(node);
    onStack.add(node);
    for (const n of next) {
      const c = visit(n);
      if (c !== undefined) return c;
    }
    stack.pop();
    onStack.delete(node);
    done.add(node);
    return undefined;
  };
  return visit(first);
}

function segmentRefs(rules: readonly SegmentRule[] | readonly { clauses: SegmentRule['clauses'] }[]): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    for (const clause of rule.clauses) {
      if (clause.op !== 'segmentMatch') continue;
      for (const v of clause.values) if (typeof v === 'string') out.push(v);
    }
  }
  return out;
}

/**
 * Every cross-reference problem in a flag's configuration, each with its path:
 * variation indices out of range, unknown segments in segmentMatch clauses, unknown, duplicate,
 * self-referencing or cyclic prerequisites, prerequisite variations out of range (when
 * `variationCountOf` is given) and context keys listed more than once in the targets.
 */
export function validateFlagConfig(config: FlagConfig, ctx: FlagConfigValidationContext): ValidationProblem[] {
  const out = variationIndexProblems(config, ctx.variationCount);

  // Targets: a context key may appear only once across all targets.
  const targeted = new Map<string, number>();
  config.targets.forEach((t, i) => {
    t.values.forEach((key, j) => {
      const first = targeted.get(key);
      if (first !== undefined) {
        out.push({
          path: ['targets', i, 'values', j],
          message:
            first === i
              ? `context key ${JSON.stringify(key)} is listed twice in this target`
              : `context key ${JSON.stringify(key)} is already targeted by targets[${first}]`,
        });
      } else {
        targeted.set(key, i);
      }
    });
  });

  // Segments referenced by rules must exist.
  config.rules.forEach((rule, i) => {
    rule.clauses.forEach((clause, j) => {
      if (clause.op !== 'segmentMatch') return;
      clause.values.forEach((v, k) => {
        if (typeof v === 'string' && !ctx.segmentKeys.has(v)) {
          out.push({ path: ['rules', i, 'clauses', j, 'values', k], message: `unknown segment ${JSON.stringify(v)}` });
        }
      });
    });
  });

  // Prerequisites: known, not self, not twice, no cycle.
  const edges = (key: string): readonly string[] | undefined => {
    const prereqs = key === ctx.flagKey ? config.prerequisites : ctx.prerequisitesOf(key);
    return prereqs?.map((p) => p.key);
  };
  const seen = new Set<string>();
  config.prerequisites.forEach((p, i) => {
    const path = ['prerequisites', i, 'key'];
    if (p.key === ctx.flagKey) {
      out.push({ path, message: 'a flag cannot be its own prerequisite' });
      return;
    }
    if (seen.has(p.key)) {
      out.push({ path, message: `prerequisite ${JSON.stringify(p.key)} is listed twice` });
      return;
    }
    seen.add(p.key);
    if (ctx.prerequisitesOf(p.key) === undefined) {
      out.push({ path, message: `unknown flag ${JSON.stringify(p.key)}` });
      return;
    }
    const cycle = findCycle(ctx.flagKey, p.key, edges);
    if (cycle !== undefined) {
      out.push({ path, message: `prerequisite cycle: ${cycle.join(' -> ')}` });
      return;
    }
    const count = ctx.variationCountOf?.(p.key);
    if (count !== undefined && p.variation >= count) {
      out.push({
        path: ['prerequisites', i, 'variation'],
        message:
          `variation ${p.variation} does not exist on flag ${JSON.stringify(p.key)} ` +
          `(it has ${count} variation${count === 1 ? '' : 's'})`,
      });
    }
  });
  return out;
}

/**
 * Problems with a segment's references: segmentMatch clauses naming the segment itself, an unknown
 * segment, or a segment from which the references lead back into a cycle.
 */
export function validateSegment(segment: { rules: readonly SegmentRule[] }, ctx: SegmentValidationContext): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  const edges = (key: string): readonly string[] | undefined => {
    const rules = key === ctx.segmentKey ? segment.rules : ctx.rulesOf(key);
    return rules === undefined ? undefined : segmentRefs(rules);
  };
  segment.rules.forEach((rule, i) => {
    rule.clauses.forEach((clause, j) => {
      if (clause.op !== 'segmentMatch') return;
      clause.values.forEach((v, k) => {
        if (typeof v !== 'string') return;
        const path = ['rules', i, 'clauses', j, 'values', k];
        if (v === ctx.segmentKey) {
          out.push({ path, message: 'a segment cannot refer to itself' });
        } else if (!ctx.segmentKeys.has(v) || ctx.rulesOf(v) === undefined) {
          out.push({ path, message: `unknown segment ${JSON.stringify(v)}` });
        } else {
          const cycle = findCycle(ctx.segmentKey, v, edges);
          if (cycle !== undefined) {
            out.push({ path, message: `segment cycle: ${cycle.join(' -> ')}` });
          }
        }
      });
    });
  });
  return out;
}

/**
 * All cross-reference problems of a snapshot (paths start with 'flags'/<key> or 'segments'/<key>).
 * The engine tolerates every one of them (see the README), but a server should not produce them.
 */
export function validateSnapshot(snapshot: Snapshot): ValidationProblem[] {
  const out: ValidationProblem[] = [];
  const flags = snapshot.flags;
  const segments = snapshot.segments;
  const segmentKeys = new Set(Object.keys(segments));
  const has = (o: object, k: string): boolean => Object.hasOwn(o, k);
  for (const [key, flag] of Object.entries(flags)) {
    const problems = validateFlagConfig(flag, {
      variationCount: flag.variations.length,
      segmentKeys,
      flagKey: key,
      prerequisitesOf: (k) => (has(flags, k) ? flags[k]!.prerequisites : undefined),
      variationCountOf: (k) => (has(flags, k) ? flags[k]!.variations.length : undefined),
    });
    for (const p of problems) out.push({ path: ['flags', key, ...p.path], message: p.message });
  }
  for (const [key, segment] of Object.entries(segments)) {
    const problems = validateSegment(segment, {
      segmentKeys,
      segmentKey: key,
      rulesOf: (k) => (has(segments, k) ? segments[k]!.rules : undefined),
    });
    for (const p of problems) out.push({ path: ['segments', key, ...p.path], message: p.message });
  }
  return out;
}

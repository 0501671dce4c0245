/**
 * Scheduled instructions applied to a flag's configuration: pure functions, no database. Each
 * instruction says what to do ("turn on", "target these keys with variation 0", "remove rule beta"),
 * not what the configuration must end up as, so a change scheduled before someone else edited the
 * flag still applies to the configuration as it is then; an instruction that no longer makes sense
 * (removing a rule that is gone) fails the whole list.
 */
import { type FlagConfig, FlagConfigSchema, type Rollout, type Rule, type Target } from '@switchyard/sdk/schema';
import type { ConfigInstruction, Instruction } from './schemas.ts';

/** A problem with its path, e.g. ['instructions', 2, 'ruleId'] or ['configuration', 'targets']. */
export type InstructionProblem = { path: (string | number)[]; message: string };

export type Applied = { ok: true; config: FlagConfig; changed: boolean } | { ok: false; problems: InstructionProblem[] };

const indexProblem = (index: number, count: number) =>
  `variation ${index} does not exist (the flag has ${count} variation${count === 1 ? '' : 's'}, indices 0..${count - 1})`;

function serveProblems(serve: { variation?: number; rollout?: Rollout }, count: number, path: (string | number)[]): InstructionProblem[] {
  if (serve.rollout) {
    return serve.rollout.variations.flatMap((v, j) =>
      v.variation >= count ? [{ path: [...path, 'rollout', 'variations', j, 'variation'], message: indexProblem(v.variation, count) }] : [],
    );
  }
  return serve.variation !== undefined && serve.variation >= count
    ? [{ path: [...path, 'variation'], message: indexProblem(serve.variation, count) }]
    : [];
}

/** Variation indices out of range anywhere in the instructions (a flag's variation count never changes). */
export function variationProblems(instructions: readonly Instruction[], variationCount: number): InstructionProblem[] {
  return instructions.flatMap((instruction, i): InstructionProblem[] => {
    const at = ['instructions', i];
    switch (instruction.kind) {
      case 'setFallthrough':
        return serveProblems(instruction, variationCount, at);
      case 'setOffVariation':
      case 'addTargets':
      case 'removeTargets':
        return serveProblems({ variation: instruction.variation }, variationCount, at);
      case 'addRule':
        return serveProblems(instruction.rule as Rule & { variation?: number }, variationCount, [...at, 'rule']);
      case 'replaceRules':
        return instruction.rules.flatMap((rule, k) =>
          serveProblems(rule as Rule & { variation?: number }, variationCount, [...at, 'rules', k]),
        );
      case 'startReleasePlan': {
        const { variation, controlVariation } = instruction.plan;
        return [
          ...(variation === undefined ? [] : serveProblems({ variation }, variationCount, [...at, 'plan'])),
          ...(controlVariation === undefined
            ? []
            : serveProblems({ variation: controlVariation }, variationCount, [...at, 'plan']).map((p) => ({
                ...p,
                path: [...at, 'plan', 'controlVariation'],
              }))),
        ];
      }
      default:
        return [];
    }
  });
}

const quoted = (value: string) => JSON.stringify(value);

function addTargets(targets: Target[], variation: number, values: readonly string[], at: (string | number)[]): InstructionProblem[] {
  const problems: InstructionProblem[] = [];
  const missing: string[] = [];
  values.forEach((value, j) => {
    const holder = targets.find((t) => t.values.includes(value));
    if (holder === undefined) {
      if (!missing.includes(value)) missing.push(value);
    } else if (holder.variation !== variation) {
      problems.push({ path: [...at, 'values', j], message: `context key ${quoted(value)} is targeted with variation ${holder.variation}` });
    }
  });
  if (problems.length > 0 || missing.length === 0) return problems;
  const target = targets.find((t) => t.variation === variation);
  if (target) target.values.push(...missing);
  else targets.push({ variation, values: missing });
  return [];
}

function removeTargets(targets: Target[], variation: number, values: readonly string[], at: (string | number)[]): InstructionProblem[] {
  const target = targets.find((t) => t.variation === variation);
  const problems = values.flatMap((value, j) =>
    target?.values.includes(value)
      ? []
      : [{ path: [...at, 'values', j], message: `context key ${quoted(value)} is not targeted with variation ${variation}` }],
  );
  if (problems.length > 0 || !target) return problems;
  const removed = new Set(values);
  target.values = target.values.filter((value) => !removed.has(value));
  if (target.values.length === 0) targets.splice(targets.indexOf(target), 1);
  return [];
}

/** Applies one instruction to `config` in place; returns its problems (and then `config` is to be thrown away). */
function applyOne(config: FlagConfig, instruction: ConfigInstruction, i: number): InstructionProblem[] {
  const at = ['instructions', i];
  switch (instruction.kind) {
    case 'turnOn':
    case 'turnOff':
      config.on = instruction.kind === 'turnOn';
      return [];
    case 'setFallthrough':
      config.fallthrough = instruction.rollout ? { rollout: instruction.rollout } : { variation: instruction.variation ?? 0 };
      return [];
    case 'setOffVariation':
      config.offVariation = instruction.variation;
      return [];
    case 'addTargets':
      return addTargets(config.targets, instruction.variation, instruction.values, at);
    case 'removeTargets':
      return removeTargets(config.targets, instruction.variation, instruction.values, at);
    case 'addRule':
      if (config.rules.some((rule) => rule.id === instruction.rule.id)) {
        return [{ path: [...at, 'rule', 'id'], message: `a rule with id ${quoted(instruction.rule.id)} already exists` }];
      }
      config.rules.push(structuredClone(instruction.rule));
      return [];
    case 'removeRule': {
      const index = config.rules.findIndex((rule) => rule.id === instruction.ruleId);
      if (index < 0) return [{ path: [...at, 'ruleId'], message: `there is no rule with id ${quoted(instruction.ruleId)}` }];
      config.rules.splice(index, 1);
      return [];
    }
    case 'replaceRules':
      config.rules = structuredClone(instruction.rules);
      return [];
  }
}

/** JSON with object keys sorted, so that two configurations compare equal whatever their key order. */
const canonical = (value: unknown): string =>
  JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );

/**
 * The configuration the instructions make of `current`, applied in order, all or nothing: the first
 * instruction that no longer makes sense, or a result the schema refuses (limits), fails the lot.
 * Cross-references (segments, prerequisites) are checked by the configuration write itself.
 */
export function applyInstructions(current: FlagConfig, instructions: readonly ConfigInstruction[], variationCount: number): Applied {
  const outOfRange = variationProblems(instructions, variationCount);
  if (outOfRange.length > 0) return { ok: false, problems: outOfRange };
  const config = structuredClone(current);
  for (const [i, instruction] of instructions.entries()) {
    const problems = applyOne(config, instruction, i);
    if (problems.length > 0) return { ok: false, problems };
  }
  const parsed = FlagConfigSchema.safeParse(config);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({
        path: ['configuration', ...(issue.path as (string | number)[])],
        message: issue.message,
      })),
    };
  }
  return { ok: true, config: parsed.data, changed: canonical(parsed.data) !== canonical(current) };
}

/** Whether the instructions only turn the flag on or off: the kill switch, allowed even while a release plan runs. */
export const onlyToggles = (instructions: readonly Instruction[]) =>
  instructions.every((instruction) => instruction.kind === 'turnOn' || instruction.kind === 'turnOff');

const percent = (weight: number) => `${weight / 1000} %`;
const keys = (values: readonly string[]) =>
  `${values.length === 1 ? 'context key' : `${values.length} context keys`} ${values
    .slice(0, 5)
    .map(quoted)
    .join(', ')}${values.length > 5 ? ', ...' : ''}`;

/** One instruction in words, for outcomes and the audit log: "turn on", "remove rule \"beta\"". */
export function describeInstruction(instruction: Instruction): string {
  switch (instruction.kind) {
    case 'turnOn':
      return 'turn on';
    case 'turnOff':
      return 'turn off';
    case 'setFallthrough':
      return instruction.rollout
        ? `set the fallthrough to a rollout (${instruction.rollout.variations.map((v) => `variation ${v.variation}: ${percent(v.weight)}`).join(', ')})`
        : `set the fallthrough to variation ${instruction.variation}`;
    case 'setOffVariation':
      return `set the off variation to ${instruction.variation}`;
    case 'addTargets':
      return `target ${keys(instruction.values)} with variation ${instruction.variation}`;
    case 'removeTargets':
      return `stop targeting ${keys(instruction.values)} with variation ${instruction.variation}`;
    case 'addRule':
      return `add rule ${quoted(instruction.rule.id)}`;
    case 'removeRule':
      return `remove rule ${quoted(instruction.ruleId)}`;
    case 'replaceRules':
      return `replace the rules (${instruction.rules.length} rule${instruction.rules.length === 1 ? '' : 's'})`;
    case 'startReleasePlan':
      return `start a release plan${instruction.plan.template ? ` from template ${quoted(instruction.plan.template)}` : ''}`;
  }
}

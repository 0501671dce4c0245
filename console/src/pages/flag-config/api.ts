import type { Prerequisite, Rollout, Rule, Target, VariationOrRollout } from '@switchyard/sdk/model';
import { request } from '../../api/client.ts';
import type { FlagConfig, FlagListItem, Page } from '../../api/types.ts';

// The shapes of the configuration routes this page edits (FlagConfigResponse, ReleasePlan in /docs);
// the configuration's own parts are the SDK model's types, which the server's schemas parse to.

export type { Prerequisite, Rollout, Rule, Target };
export type Fallthrough = VariationOrRollout;

export type FullFlagConfig = FlagConfig & {
  offVariation: number;
  fallthrough: Fallthrough;
  targets: Target[];
  rules: Rule[];
  prerequisites: Prerequisite[];
};

/** The part of the configuration this page edits. */
export type EditableConfig = {
  prerequisites: Prerequisite[];
  targets: Target[];
  rules: Rule[];
  fallthrough: Fallthrough;
  offVariation: number;
};

export type ReleasePlan = {
  id: string;
  status: 'running' | 'paused' | 'completed' | 'rolled-back' | 'abandoned';
  templateKey: string | null;
  variation: number;
  stages: { name?: string; percentage: number }[];
  stageIndex: number;
  version: number;
};

const configPath = (key: string, env: string) => `/flags/${encodeURIComponent(key)}/environments/${encodeURIComponent(env)}`;

export const getFlagConfig = (key: string, env: string) => request<FullFlagConfig>('GET', configPath(key, env));

/** The configuration if it is no longer at `version`, else undefined (a 304, which costs the server one read). */
export const getFlagConfigIfChanged = (key: string, env: string, version: number) =>
  request<FullFlagConfig | undefined>('GET', configPath(key, env), { ifNoneMatch: version });

/** Who wrote `version` of the configuration, as the audit log tells; null when it does not say. */
export async function authorOf(key: string, env: string, version: number): Promise<string | null> {
  type Event = { actor: string; after: unknown };
  const { items } = await request<{ items: Event[] }>('GET', '/audit', { query: { flag: key, environment: env, limit: 20 } });
  const event = items.find(
    (e) => typeof e.after === 'object' && e.after !== null && (e.after as { version?: unknown }).version === version,
  );
  return event?.actor ?? null;
}

export type SegmentChoice = { key: string; name: string; description: string };

/** Every page of a paginated list (limit 200, the most the API gives at once). */
async function everyPage<T>(path: string): Promise<T[]> {
  const items: T[] = [];
  for (;;) {
    const page = await request<Page<T>>('GET', path, { query: { limit: 200, offset: items.length } });
    items.push(...page.items);
    if (page.items.length === 0 || items.length >= page.total) return items;
  }
}

/** The environment's segments, which segment clauses pick from. */
export const listSegments = (env: string) => everyPage<SegmentChoice>(`/environments/${encodeURIComponent(env)}/segments`);

/** The active flags, which prerequisites pick from. */
export const listAllFlags = () => everyPage<FlagListItem>('/flags');

/** Writes the given fields only if the configuration is still at `version` (else a 412). */
export const patchFlagConfig = (key: string, env: string, patch: Partial<EditableConfig>, version: number) =>
  request<FullFlagConfig>('PATCH', configPath(key, env), { body: patch, ifMatch: version });

export const runningPlans = async (key: string, env: string) =>
  (await request<Page<ReleasePlan>>('GET', `${configPath(key, env)}/release-plans`, { query: { status: 'running' } })).items;

export const planAction = (id: string, action: 'pause' | 'rollback') =>
  request<ReleasePlan>('POST', `/release-plans/${encodeURIComponent(id)}/${action}`, { body: {} });

export const planName = (plan: ReleasePlan) => (plan.templateKey ? `“${plan.templateKey}” (${plan.id})` : plan.id);

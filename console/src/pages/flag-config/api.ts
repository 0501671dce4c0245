import { request } from '../../api/client.ts';
import type { FlagConfig, Page } from '../../api/types.ts';

// The shapes of the configuration routes this page edits (FlagConfigResponse, ReleasePlan in /docs).

export type WeightedVariation = { variation: number; weight: number };
export type Rollout = { variations: WeightedVariation[]; bucketBy?: string; seed?: number };
export type Fallthrough = { variation: number } | { rollout: Rollout };
export type Target = { variation: number; values: string[] };

export type FullFlagConfig = FlagConfig & {
  offVariation: number;
  fallthrough: Fallthrough;
  targets: Target[];
  rules: unknown[];
  prerequisites: unknown[];
};

/** The part of the configuration this page edits. */
export type EditableConfig = { fallthrough: Fallthrough; offVariation: number; targets: Target[] };

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

/** Writes the given fields only if the configuration is still at `version` (else a 412). */
export const patchFlagConfig = (key: string, env: string, patch: Partial<EditableConfig>, version: number) =>
  request<FullFlagConfig>('PATCH', configPath(key, env), { body: patch, ifMatch: version });

export const runningPlans = async (key: string, env: string) =>
  (await request<Page<ReleasePlan>>('GET', `${configPath(key, env)}/release-plans`, { query: { status: 'running' } })).items;

export const planAction = (id: string, action: 'pause' | 'rollback') =>
  request<ReleasePlan>('POST', `/release-plans/${encodeURIComponent(id)}/${action}`, { body: {} });

export const planName = (plan: ReleasePlan) => (plan.templateKey ? `“${plan.templateKey}” (${plan.id})` : plan.id);

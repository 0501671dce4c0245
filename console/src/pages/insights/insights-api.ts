import { request } from '../../api/client.ts';

// The shapes of the insights routes (FlagEvaluations, StaleFlags in /docs).

type VariationCount = { variation: number; value?: unknown; count: number };
type ErrorCount = { errorKind: string; count: number };

export type FlagEvaluations = {
  flagKey: string;
  environmentKey: string;
  exists: boolean;
  from: string;
  to: string;
  granularity: 'minute' | 'hour';
  buckets: { start: string; evaluations: number; variations: { variation: number; count: number }[]; errors: ErrorCount[] }[];
  totals: { evaluations: number; variations: VariationCount[]; errors: ErrorCount[] };
  lastEvaluatedAt: string | null;
  status: { status: string; launched?: { variation: number; value?: unknown; since: string } };
  sdks: { name: string; version: string; instances: number; lastSeenAt: string }[];
};

type EnvironmentEvidence = {
  environmentKey: string;
  status: string;
  lastEvaluatedAt: string | null;
  recentEvaluations: number;
  launched?: { variation: number; value?: unknown; since: string };
};

export type StaleEntry = { flagKey: string; name: string; reason: string; environments: EnvironmentEvidence[] };

export type StaleFlags = {
  staleAfterDays: number;
  generatedAt: string;
  ready: (StaleEntry & { archived: boolean })[];
  archivedButEvaluated: (StaleEntry & { archivedAt: string | null })[];
};

export const flagEvaluations = (key: string, env: string, range: { from: string; to: string }) =>
  request<FlagEvaluations>('GET', `/insights/flags/${encodeURIComponent(key)}/environments/${encodeURIComponent(env)}`, { query: range });

export const staleFlags = () => request<StaleFlags>('GET', '/insights/stale-flags');

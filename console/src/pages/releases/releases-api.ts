import { request } from '../../api/client.ts';
import type { Page } from '../../api/types.ts';

// The shapes of the release routes (ReleaseTemplate, ReleasePlan, GuardHistory in /docs).

export type ReleaseStage = {
  name?: string;
  percentage: number;
  segments: string[];
  holdMinutes: number;
  requireApproval: boolean;
  guarded: boolean;
};

export type GuardMetric = {
  key: string;
  kind: 'binary' | 'numeric';
  direction: 'lower-is-better' | 'higher-is-better';
  tolerance: { kind: 'absolute' | 'relative'; value: number };
  minimumContexts: number;
};

export type ReleaseGuard = { metrics: GuardMetric[]; onRegression: 'rollback' | 'pause' };

export type ReleaseTemplate = {
  key: string;
  name: string;
  description: string;
  stages: ReleaseStage[];
  guard: ReleaseGuard | null;
  version: number;
};

export type PlanStatus = 'running' | 'paused' | 'completed' | 'rolled-back' | 'abandoned';

type Estimate = { contexts: number; estimate: number | null };

export type MetricVerdict = {
  metricKey: string;
  outcome: 'regression' | 'no-regression' | 'insufficient-data';
  control: Estimate;
  treatment: Estimate;
  difference: number | null;
  interval: [number, number] | null;
  threshold: number | null;
  reason: string;
};

export type ReleasePlan = {
  id: string;
  flagKey: string;
  environmentKey: string;
  status: PlanStatus;
  templateKey: string | null;
  variation: number;
  controlVariation: number;
  stages: ReleaseStage[];
  guard: ReleaseGuard | null;
  stageIndex: number;
  stageStartedAt: string;
  approvedStage: number;
  nextCheckAt: string | null;
  waitingFor: string | null;
  lastVerdict: { outcome: 'regression' | 'healthy' | 'waiting'; reason: string; metrics: MetricVerdict[]; judgedAt: string } | null;
  version: number;
  createdBy: string;
  startedAt: string;
  endedAt: string | null;
};

export type GuardHistoryPoint = Omit<MetricVerdict, 'metricKey' | 'reason'> & { at: string };

export type GuardHistory = {
  planId: string;
  from: string;
  to: string;
  stepSeconds: number;
  metrics: { key: string; kind: 'binary' | 'numeric'; direction: GuardMetric['direction']; points: GuardHistoryPoint[] }[];
};

export type NewTemplate = { key: string; name: string; description?: string; stages: Partial<ReleaseStage>[]; guard?: ReleaseGuard | null };

export type StartPlan = {
  template?: string;
  stages?: Partial<ReleaseStage>[];
  guard?: ReleaseGuard | null;
  variation?: number;
  controlVariation?: number;
};

export type PlanOperation = 'pause' | 'resume' | 'advance' | 'approve' | 'rollback';

export type PlanQuery = { env?: string; flag?: string; status?: PlanStatus; limit: number; offset: number };

const planPath = (key: string, env: string) => `/flags/${encodeURIComponent(key)}/environments/${encodeURIComponent(env)}/release-plans`;

export const listTemplates = () => request<ReleaseTemplate[]>('GET', '/release-templates');

export const createTemplate = (template: NewTemplate) => request<ReleaseTemplate>('POST', '/release-templates', { body: template });

export const listPlans = (query: PlanQuery, signal?: AbortSignal) =>
  request<Page<ReleasePlan>>('GET', '/release-plans', signal ? { query, signal } : { query });

/** The flag's plans in one environment, newest first. */
export const listFlagPlans = async (key: string, env: string) =>
  (await request<Page<ReleasePlan>>('GET', planPath(key, env), { query: { limit: 20 } })).items;

export const getPlan = (id: string) => request<ReleasePlan>('GET', `/release-plans/${encodeURIComponent(id)}`);

export const guardHistory = (id: string) => request<GuardHistory>('GET', `/release-plans/${encodeURIComponent(id)}/guard-history`);

export const startPlan = (key: string, env: string, plan: StartPlan) => request<ReleasePlan>('POST', planPath(key, env), { body: plan });

/** An operation on the plan as read (`version`): a plan changed meanwhile is refused with 412. */
export const operatePlan = (plan: ReleasePlan, operation: PlanOperation, reason?: string) =>
  request<ReleasePlan>('POST', `/release-plans/${encodeURIComponent(plan.id)}/${operation}`, {
    body: reason ? { reason } : {},
    ifMatch: plan.version,
  });

export const stageName = (stage: ReleaseStage, index: number) => stage.name ?? `Stage ${index + 1}: ${stage.percentage} %`;

export const isActive = (plan: ReleasePlan) => plan.status === 'running' || plan.status === 'paused';

export const STATUS_TEXT: Record<PlanStatus, string> = {
  running: 'Running',
  paused: 'Paused',
  completed: 'Completed',
  'rolled-back': 'Rolled back',
  abandoned: 'Abandoned',
};

import { request } from '../../api/client.ts';
import type { Page } from '../../api/types.ts';
import type { StartPlan } from '../releases/releases-api.ts';

// The shapes of the scheduled-change routes (ScheduledChange, Instruction in /docs); the console
// schedules the instructions below, and shows any other by its kind.

export type Instruction =
  | { kind: 'turnOn' }
  | { kind: 'turnOff' }
  | { kind: 'setFallthrough'; variation?: number; rollout?: { variations: { variation: number; weight: number }[] } }
  | { kind: 'startReleasePlan'; plan: StartPlan }
  | { kind: string; [field: string]: unknown };

export type ScheduledChange = {
  id: string;
  flagKey: string;
  environmentKey: string;
  at: string;
  instructions: Instruction[];
  comment: string;
  status: 'pending' | 'applied' | 'failed' | 'cancelled';
  outcome: string | null;
  version: number;
  createdBy: string;
  appliedAt: string | null;
};

export type ScheduleBody = { at: string; instructions: Instruction[]; comment: string };

const flagPath = (key: string, env: string) =>
  `/flags/${encodeURIComponent(key)}/environments/${encodeURIComponent(env)}/scheduled-changes`;

export const listSchedules = async (key: string, env: string) =>
  (await request<Page<ScheduledChange>>('GET', flagPath(key, env), { query: { limit: 100 } })).items;

export const createSchedule = (key: string, env: string, body: ScheduleBody) =>
  request<ScheduledChange>('POST', flagPath(key, env), { body });

/** Changes a pending change as read (`version`): one changed or applied meanwhile is refused. */
export const updateSchedule = (change: ScheduledChange, body: Partial<ScheduleBody>) =>
  request<ScheduledChange>('PATCH', `/scheduled-changes/${encodeURIComponent(change.id)}`, { body, ifMatch: change.version });

export const cancelSchedule = (change: ScheduledChange) =>
  request<ScheduledChange>('DELETE', `/scheduled-changes/${encodeURIComponent(change.id)}`, { ifMatch: change.version });

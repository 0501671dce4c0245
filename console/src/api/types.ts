// The admin API's shapes the console reads (see /docs for the full OpenAPI document).

export type Page<T> = { items: T[]; total: number; limit: number; offset: number };

export type FlagKind = 'boolean' | 'string' | 'number' | 'json';

export type FlagStatus = 'new' | 'active' | 'launched' | 'inactive' | 'archived-but-evaluated';

export type Flag = {
  key: string;
  name: string;
  description: string;
  kind: FlagKind;
  variations: unknown[];
  tags: string[];
  temporary: boolean;
  archived: boolean;
  clientSideAvailable: boolean;
  version: number;
  createdAt: string;
  updatedAt: string;
};

/** A release plan still under way on a flag in an environment. */
export type LivePlan = { id: string; status: 'running' | 'paused' };

export type FlagListItem = Flag & { on?: boolean; status?: FlagStatus; releasePlan?: LivePlan | null; pendingSchedules?: number };

export type FlagDetail = Flag & { environments: Record<string, { on: boolean; version: number }> };

export type FlagConfig = { flagKey: string; environmentKey: string; on: boolean; version: number; updatedAt: string };

export type Environment = { key: string; name: string; version: number; createdAt: string; updatedAt: string };

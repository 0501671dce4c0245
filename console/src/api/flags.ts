import { request } from './client.ts';
import type { Environment, Flag, FlagConfig, FlagDetail, FlagKind, FlagListItem, Page } from './types.ts';

export type FlagListQuery = {
  q?: string;
  tag?: readonly string[];
  env?: string;
  /** false (the default): active flags only; all: archived ones too. */
  archived?: 'false' | 'all';
  limit: number;
  offset: number;
};

export const listFlags = (query: FlagListQuery, signal?: AbortSignal) =>
  request<Page<FlagListItem>>('GET', '/flags', signal ? { query, signal } : { query });

export const getFlag = (key: string) => request<FlagDetail>('GET', `/flags/${encodeURIComponent(key)}`);

export type NewFlag = { key: string; name: string; kind: FlagKind; variations?: unknown[]; description?: string; tags?: string[] };

export const createFlag = (flag: NewFlag) => request<Flag>('POST', '/flags', { body: flag });

export type FlagMetadata = Partial<Pick<Flag, 'name' | 'description' | 'tags' | 'temporary' | 'clientSideAvailable'>>;

/** Changes a flag's metadata, only if the flag is still at `version` (else 412). */
export const updateFlag = (key: string, changes: FlagMetadata, version: number) =>
  request<Flag>('PATCH', `/flags/${encodeURIComponent(key)}`, { body: changes, ifMatch: version });

/** Archives or restores a flag, only if it is still at `version` (else 412). */
export const setFlagArchived = (key: string, archived: boolean, version: number) =>
  request<Flag>('POST', `/flags/${encodeURIComponent(key)}/${archived ? 'archive' : 'restore'}`, { ifMatch: version });

/** Sets the flag on or off in one environment; with `ifMatch`, only if its configuration is still at that version. */
export const toggleFlag = (key: string, env: string, on: boolean, ifMatch?: number) =>
  request<FlagConfig>('POST', `/flags/${encodeURIComponent(key)}/environments/${encodeURIComponent(env)}/toggle`, {
    body: { on },
    ...(ifMatch === undefined ? {} : { ifMatch }),
  });

export const listEnvironments = async () => (await request<{ items: Environment[] }>('GET', '/environments')).items;

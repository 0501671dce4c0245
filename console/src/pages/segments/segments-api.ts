import type { ClauseValue, Operator } from '@switchyard/sdk/model';
import { request } from '../../api/client.ts';
import type { Page } from '../../api/types.ts';

export type Clause = { attribute: string; op: Operator; values: ClauseValue[]; negate?: boolean };
export type SegmentRule = { id?: string; clauses: Clause[] };

/** A segment of one environment, as /api/environments/:env/segments gives it (server/src/segments/schemas.ts). */
export type Segment = {
  key: string;
  environment: string;
  name: string;
  description: string;
  included: string[];
  excluded: string[];
  rules: SegmentRule[];
  version: number;
  createdAt: string;
  updatedAt: string;
};

export type SegmentContent = Pick<Segment, 'name' | 'description' | 'included' | 'excluded' | 'rules'>;

const base = (env: string) => `/environments/${encodeURIComponent(env)}/segments`;
const one = (env: string, key: string) => `${base(env)}/${encodeURIComponent(key)}`;

/** The server's largest page: the list is searched in the browser. */
export const SEGMENT_PAGE = 200;

export const listSegments = (env: string, offset: number, signal?: AbortSignal) =>
  request<Page<Segment>>('GET', base(env), { query: { limit: SEGMENT_PAGE, offset }, ...(signal ? { signal } : {}) });

export const getSegment = (env: string, key: string) => request<Segment>('GET', one(env, key));

export const createSegment = (env: string, segment: { key: string } & Partial<SegmentContent> & { name: string }) =>
  request<Segment>('POST', base(env), { body: segment });

/** Replaces the segment only if it is still at `version` (412 otherwise). */
export const replaceSegment = (env: string, key: string, content: SegmentContent, version: number) =>
  request<Segment>('PUT', one(env, key), { body: content, ifMatch: version });

export const deleteSegment = (env: string, key: string) => request<void>('DELETE', one(env, key));

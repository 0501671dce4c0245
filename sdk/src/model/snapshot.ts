import type { FlagDefinition } from './flag.ts';
import type { SegmentDefinition } from './segment.ts';

/** An environment's rules at one version: every flag and segment, keyed by their own `key`. */
export type Snapshot = {
  environment: string;
  version: number;
  flags: Record<string, FlagDefinition>;
  segments: Record<string, SegmentDefinition>;
};

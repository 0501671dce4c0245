import type { Patch } from '@switchyard/sdk/model';

/** Published after a write commits: environment `environmentKey` is now at `version`. */
export type EnvironmentChangeNotice = {
  resourceType: 'flag' | 'segment';
  environmentId: string;
  environmentKey: string;
  version: number;
  resourceKey: string;
  /**
   * What changed in (patch.fromVersion, version], built by the replica that committed the write, so
   * that the others can fan it out without reading PostgreSQL. Absent when it was too large to carry:
   * receivers then read the database.
   */
  patch?: Patch;
};

/** Published after a token was revoked or rotated: connections using token `resourceKey` (its id) close at once. */
export type TokenRevokedNotice = {
  resourceType: 'token';
  resourceKey: string;
};

/**
 * Published after an environment was deleted: every replica forgets its keys (`tokenIds`, read before
 * the cascade deleted them), its snapshots and cached evaluations, and closes its streams at once.
 */
export type EnvironmentDeletedNotice = {
  resourceType: 'environment';
  environmentId: string;
  environmentKey: string;
  tokenIds: string[];
};

/**
 * A change notice, as it travels between replicas. Discriminated by `resourceType`; the field names
 * are those replicas have always exchanged, so replicas of two releases can run side by side.
 */
export type ChangeNotice = EnvironmentChangeNotice | TokenRevokedNotice | EnvironmentDeletedNotice;

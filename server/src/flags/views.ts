import { type FlagConfigRow, storedConfig } from './config-repository.ts';
import { type FlagRow, variationsOf } from './repository.ts';
import type { FlagConfigView, FlagView } from './schemas.ts';

export const toFlagView = (row: FlagRow): FlagView => ({
  key: row.key,
  name: row.name,
  description: row.description,
  kind: row.kind,
  variations: variationsOf(row),
  tags: row.tags,
  temporary: row.temporary,
  archived: row.archived,
  clientSideAvailable: row.clientSideAvailable,
  salt: row.salt,
  version: row.version,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
});

export const toConfigView = (row: FlagConfigRow, flagKey: string, environmentKey: string): FlagConfigView => ({
  flagKey,
  environmentKey,
  ...storedConfig(row),
  version: row.version,
  updatedAt: row.updatedAt.toISOString(),
});

import type { Patch } from '@switchyard/sdk/model';
import type { FlagDefinition, SegmentDefinition, Snapshot } from '@switchyard/sdk/schema';
import type { PrismaClient, Transaction } from '../db/prisma.ts';
import { type FlagConfigRow as StoredFlagConfigRow, storedConfig } from '../flags/config-repository.ts';

/** Beyond this many versions a full snapshot is cheaper to build and to send than a patch. */
export const MAX_PATCH_SPAN = 500;

type FlagRow = {
  key: string;
  kind: FlagDefinition['kind'];
  variations: unknown;
  salt: string;
  version: number;
  clientSideAvailable: boolean;
};
type FlagConfigRow = Omit<StoredFlagConfigRow, 'id' | 'updatedAt'>;
type SegmentRow = { key: string; included: string[]; excluded: string[]; rules: unknown; version: number };

export const flagSelect = { key: true, kind: true, variations: true, salt: true, version: true, clientSideAvailable: true } as const;
export const configSelect = {
  on: true,
  offVariation: true,
  fallthrough: true,
  targets: true,
  rules: true,
  prerequisites: true,
  guardedMetrics: true,
  version: true,
} as const;
export const segmentSelect = { key: true, included: true, excluded: true, rules: true, version: true } as const;

/**
 * A flag's definition version is `FlagEnvironment.version + Flag.version` (config version plus
 * metadata version): both only grow, so the sum grows whenever either changes.
 */
export function toFlagDefinition(flag: FlagRow, config: FlagConfigRow): FlagDefinition {
  return {
    key: flag.key,
    kind: flag.kind,
    variations: flag.variations as FlagDefinition['variations'],
    salt: flag.salt,
    version: config.version + flag.version,
    clientSideAvailable: flag.clientSideAvailable,
    ...storedConfig(config),
  };
}

export function toSegmentDefinition(segment: SegmentRow): SegmentDefinition {
  return {
    key: segment.key,
    included: segment.included,
    excluded: segment.excluded,
    rules: segment.rules as SegmentDefinition['rules'],
    version: segment.version,
  };
}

/**
 * The environment's whole snapshot (archived flags excluded), or null when the environment does not
 * exist. Read in one REPEATABLE READ transaction so the version matches the contents exactly.
 */
export async function loadSnapshot(prisma: PrismaClient, environmentKey: string): Promise<Snapshot | null> {
  const [environment] = await prisma.$transaction(
    [
      prisma.environment.findUnique({
        where: { key: environmentKey },
        select: {
          key: true,
          version: true,
          flagConfigs: { where: { flag: { archived: false } }, select: { ...configSelect, flag: { select: flagSelect } } },
          segments: { select: segmentSelect },
        },
      }),
    ],
    { isolationLevel: 'RepeatableRead' },
  );
  if (!environment) return null;
  const flags: Record<string, FlagDefinition> = {};
  for (const config of environment.flagConfigs) flags[config.flag.key] = toFlagDefinition(config.flag, config);
  const segments: Record<string, SegmentDefinition> = {};
  for (const segment of environment.segments) segments[segment.key] = toSegmentDefinition(segment);
  return { environment: environment.key, version: environment.version, flags, segments };
}

/**
 * What changed after `fromVersion`, up to the environment's current version, built from the
 * EnvironmentChange log. Null when a patch cannot express it (unknown environment, `fromVersion`
 * ahead of the database, missing log rows, or too long a span): the caller sends a snapshot instead.
 */
export async function loadPatch(prisma: PrismaClient, environmentKey: string, fromVersion: number): Promise<Patch | null> {
  return prisma.$transaction(
    async (tx) => {
      const environment = await tx.environment.findUnique({ where: { key: environmentKey }, select: { id: true, version: true } });
      if (!environment || fromVersion > environment.version || environment.version - fromVersion > MAX_PATCH_SPAN) return null;
      if (fromVersion === environment.version) return { fromVersion, version: fromVersion, flags: {}, segments: {} };
      const changes = await tx.environmentChange.findMany({
        where: { environmentId: environment.id, version: { gt: fromVersion, lte: environment.version } },
        select: { resourceType: true, resourceKey: true },
      });
      if (changes.length !== environment.version - fromVersion) return null;
      const flagKeys = [...new Set(changes.filter((c) => c.resourceType === 'flag').map((c) => c.resourceKey))];
      const segmentKeys = [...new Set(changes.filter((c) => c.resourceType === 'segment').map((c) => c.resourceKey))];
      return {
        fromVersion,
        version: environment.version,
        flags: await flagDefinitions(tx, environment.id, flagKeys),
        segments: await segmentDefinitions(tx, environment.id, segmentKeys),
      };
    },
    { isolationLevel: 'RepeatableRead' },
  );
}

async function flagDefinitions(tx: Transaction, environmentId: string, keys: string[]): Promise<Patch['flags']> {
  const out: Patch['flags'] = Object.fromEntries(keys.map((k) => [k, null]));
  if (keys.length === 0) return out;
  const configs = await tx.flagEnvironment.findMany({
    where: { environmentId, flag: { key: { in: keys }, archived: false } },
    select: { ...configSelect, flag: { select: flagSelect } },
  });
  for (const config of configs) out[config.flag.key] = toFlagDefinition(config.flag, config);
  return out;
}

async function segmentDefinitions(tx: Transaction, environmentId: string, keys: string[]): Promise<Patch['segments']> {
  const out: Patch['segments'] = Object.fromEntries(keys.map((k) => [k, null]));
  if (keys.length === 0) return out;
  const segments = await tx.segment.findMany({ where: { environmentId, key: { in: keys } }, select: segmentSelect });
  for (const segment of segments) out[segment.key] = toSegmentDefinition(segment);
  return out;
}

/** Current version of every environment, in one query (the periodic safety-net check). */
export async function loadVersions(prisma: PrismaClient): Promise<Map<string, number>> {
  const rows = await prisma.environment.findMany({ select: { key: true, version: true } });
  return new Map(rows.map((r) => [r.key, r.version]));
}

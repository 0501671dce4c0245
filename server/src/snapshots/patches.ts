import type { Patch } from '@switchyard/sdk/model';
import type { EnvironmentChangeNotice } from '../changes/notice.ts';
import type { Transaction } from '../db/prisma.ts';
import { configSelect, flagSelect, segmentSelect, toFlagDefinition, toSegmentDefinition } from './read-model.ts';

/**
 * Gives each environment a write touched its patch, on that environment's last notice (the earlier
 * ones of the same write carry none). Called inside the write's transaction after its work, so the
 * definitions are exactly what commits at those versions (the environment row stays locked until
 * then).
 */
export async function attachPatches(tx: Transaction, notices: readonly EnvironmentChangeNotice[]): Promise<void> {
  const byEnvironment = new Map<string, EnvironmentChangeNotice[]>();
  for (const notice of notices) {
    const list = byEnvironment.get(notice.environmentId);
    if (list) list.push(notice);
    else byEnvironment.set(notice.environmentId, [notice]);
  }
  if (byEnvironment.size === 0) return;

  const keysOf = (list: EnvironmentChangeNotice[], type: EnvironmentChangeNotice['resourceType']) =>
    list.filter((n) => n.resourceType === type).map((n) => n.resourceKey);
  const environmentIds = [...byEnvironment.keys()];
  const flagKeys = [...new Set([...byEnvironment.values()].flatMap((list) => keysOf(list, 'flag')))];
  const segmentKeys = [...new Set([...byEnvironment.values()].flatMap((list) => keysOf(list, 'segment')))];
  const configs = flagKeys.length
    ? await tx.flagEnvironment.findMany({
        where: { environmentId: { in: environmentIds }, flag: { key: { in: flagKeys }, archived: false } },
        select: { environmentId: true, ...configSelect, flag: { select: flagSelect } },
      })
    : [];
  const segments = segmentKeys.length
    ? await tx.segment.findMany({
        where: { environmentId: { in: environmentIds }, key: { in: segmentKeys } },
        select: { environmentId: true, ...segmentSelect },
      })
    : [];

  for (const [environmentId, list] of byEnvironment) {
    const flags: Patch['flags'] = Object.fromEntries(keysOf(list, 'flag').map((k) => [k, null]));
    const segmentDefs: Patch['segments'] = Object.fromEntries(keysOf(list, 'segment').map((k) => [k, null]));
    for (const config of configs) {
      if (config.environmentId !== environmentId || !Object.hasOwn(flags, config.flag.key)) continue;
      flags[config.flag.key] = toFlagDefinition(config.flag, config);
    }
    for (const segment of segments) {
      if (segment.environmentId !== environmentId || !Object.hasOwn(segmentDefs, segment.key)) continue;
      segmentDefs[segment.key] = toSegmentDefinition(segment);
    }
    const versions = list.map((n) => n.version);
    const last = list.at(-1)!;
    last.patch = { fromVersion: Math.min(...versions) - 1, version: Math.max(...versions), flags, segments: segmentDefs };
  }
}

/**
 * Which flags are ready for removal, and which archived flags code still evaluates, from each flag's
 * status in each environment, with the reason in words. Pure: the statuses and counts are given.
 */
import type { InsightFlagRow } from './repository.ts';
import type { StaleFlagsView } from './schemas.ts';
import { variationValue, variationValues } from './series.ts';
import { DAY_MS, type FlagStatus, type StatusEvidence } from './statuses.ts';

export type EnvironmentStatus = { environmentKey: string; evidence: StatusEvidence; recentEvaluations: number };

type Entry = { flag: InsightFlagRow; environments: EnvironmentStatus[] };

const REMOVABLE: ReadonlySet<FlagStatus> = new Set(['launched', 'inactive', 'new']);
const MAX_VALUE_TEXT = 80;

const days = (ms: number) => {
  const n = Math.floor(ms / DAY_MS);
  return `${n} day${n === 1 ? '' : 's'}`;
};
const day = (date: Date) => date.toISOString().slice(0, 10);
const list = (words: readonly string[]) => (words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} and ${words.at(-1)}`);

function describeValue(flag: InsightFlagRow, variation: number): string {
  const known = variationValue(variationValues(flag.variations), variation);
  if (!('value' in known)) return `variation ${variation}`;
  const text = JSON.stringify(known.value);
  return text.length > MAX_VALUE_TEXT ? `${text.slice(0, MAX_VALUE_TEXT - 1)}…` : text;
}

const latestOf = (dates: Date[]) => new Date(Math.max(...dates.map((d) => d.getTime())));

/** Ready: temporary, and everywhere launched (the same variation wherever launched), inactive or never evaluated. */
function readyReason({ flag, environments }: Entry, now: Date, staleAfterDays: number): string | null {
  if (!flag.temporary || environments.length === 0) return null;
  if (!environments.every((e) => REMOVABLE.has(e.evidence.status))) return null;
  const withStatus = (status: FlagStatus) => environments.filter((e) => e.evidence.status === status);
  const launched = withStatus('launched');
  const inactive = withStatus('inactive');
  const unused = withStatus('new');
  if (new Set(launched.map((e) => e.evidence.launched!.variation)).size > 1) return null;

  if (unused.length === environments.length) {
    // A flag no code has evaluated yet may be one whose code has not shipped: only after N days is it dead.
    const age = now.getTime() - flag.createdAt.getTime();
    if (age < staleAfterDays * DAY_MS) return null;
    return `never evaluated in ${list(unused.map((e) => e.environmentKey))} in the ${days(age)} since it was created`;
  }

  const parts: string[] = [];
  if (launched.length > 0) {
    const since = latestOf(launched.map((e) => e.evidence.launched!.since));
    const value = describeValue(flag, launched[0]!.evidence.launched!.variation);
    parts.push(
      `served ${value} to every context in ${list(launched.map((e) => e.environmentKey))} for ${days(now.getTime() - since.getTime())}`,
    );
  }
  if (inactive.length > 0) {
    const last = latestOf(inactive.map((e) => e.evidence.lastEvaluatedAt!));
    const more = inactive.length > 1 ? ' or more' : '';
    parts.push(`not evaluated in ${list(inactive.map((e) => e.environmentKey))} for ${days(now.getTime() - last.getTime())}${more}`);
  }
  if (unused.length > 0) parts.push(`never evaluated in ${list(unused.map((e) => e.environmentKey))}`);
  return parts.join('; ');
}

function archivedButEvaluatedReason({ flag, environments }: Entry): string | null {
  const evaluated = environments.filter((e) => e.evidence.status === 'archived-but-evaluated');
  if (evaluated.length === 0) return null;
  const last = latestOf(evaluated.map((e) => e.evidence.lastEvaluatedAt!));
  const archived = flag.archivedAt ? `archived on ${day(flag.archivedAt)}` : 'archived';
  return (
    `${archived} but still evaluated in ${list(evaluated.map((e) => e.environmentKey))} (last on ${day(last)}): ` +
    'code still asks for it, and removing it would change what that code gets'
  );
}

const evidenceView = ({ environmentKey, evidence, recentEvaluations }: EnvironmentStatus, flag: InsightFlagRow) => ({
  environmentKey,
  status: evidence.status,
  lastEvaluatedAt: evidence.lastEvaluatedAt?.toISOString() ?? null,
  recentEvaluations,
  ...(evidence.launched
    ? {
        launched: {
          variation: evidence.launched.variation,
          ...variationValue(variationValues(flag.variations), evidence.launched.variation),
          since: evidence.launched.since.toISOString(),
        },
      }
    : {}),
});

/** The report over `entries` (each flag with its status in each environment considered), in the order given. */
export function staleReport(entries: readonly Entry[], now: Date, staleAfterDays: number): StaleFlagsView {
  const report: StaleFlagsView = { staleAfterDays, generatedAt: now.toISOString(), ready: [], archivedButEvaluated: [] };
  for (const entry of entries) {
    const { flag } = entry;
    const environments = entry.environments.map((e) => evidenceView(e, flag));
    const stillEvaluated = flag.archived ? archivedButEvaluatedReason(entry) : null;
    if (stillEvaluated) {
      const archivedAt = flag.archivedAt?.toISOString() ?? null;
      report.archivedButEvaluated.push({ flagKey: flag.key, name: flag.name, archivedAt, reason: stillEvaluated, environments });
      continue;
    }
    const ready = readyReason(entry, now, staleAfterDays);
    if (ready) report.ready.push({ flagKey: flag.key, name: flag.name, archived: flag.archived, reason: ready, environments });
  }
  return report;
}

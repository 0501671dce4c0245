/**
 * Flag statuses on a virtual clock: `now` is a parameter, so days pass in an instant and the
 * boundaries at exactly N days can be hit to the millisecond.
 */
import { describe, expect, it } from 'vitest';
import { flagStatus, type ServedRow } from '../../../server/src/insights/statuses.ts';

const N = 7;
const DAY = 86_400_000;
const NOW = new Date('2026-03-10T12:00:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const variation = (index: number, firstAt: Date, lastAt: Date): ServedRow => ({ variation: index, errorKind: '', firstAt, lastAt });
const error = (kind: string, firstAt: Date, lastAt: Date): ServedRow => ({ variation: -1, errorKind: kind, firstAt, lastAt });
const active = { archived: false, archivedAt: null };
const statusOf = (served: ServedRow[], flag: { archived: boolean; archivedAt: Date | null } | null = active) =>
  flagStatus(flag, served, NOW, N).status;

describe('flag status in an environment', () => {
  it('is new when nothing was ever counted there', () => {
    expect(flagStatus(active, [], NOW, N)).toEqual({ status: 'new', firstEvaluatedAt: null, lastEvaluatedAt: null });
    expect(statusOf([], null)).toBe('new');
  });

  it('is active while evaluated recently with several variations, or for less than N days', () => {
    expect(statusOf([variation(0, ago(30 * DAY), NOW), variation(1, ago(30 * DAY), ago(DAY))])).toBe('active');
    expect(statusOf([variation(0, ago(2 * DAY), NOW)])).toBe('active');
  });

  it('is inactive only when last evaluated more than N days ago: exactly N days is still recent', () => {
    expect(statusOf([variation(0, ago(30 * DAY), ago(N * DAY))])).toBe('launched');
    expect(statusOf([variation(0, ago(30 * DAY), ago(N * DAY + 1))])).toBe('inactive');
    const evidence = flagStatus(
      active,
      [variation(0, ago(30 * DAY), ago(9 * DAY)), error('WRONG_TYPE', ago(20 * DAY), ago(8 * DAY))],
      NOW,
      N,
    );
    expect(evidence).toEqual({ status: 'inactive', firstEvaluatedAt: ago(30 * DAY), lastEvaluatedAt: ago(8 * DAY) });
  });

  it('is launched when one variation alone was served for the last N days, with the evidence of since when', () => {
    const served = [variation(1, ago(40 * DAY), ago(10 * DAY)), variation(0, ago(40 * DAY), NOW)];
    expect(flagStatus(active, served, NOW, N)).toEqual({
      status: 'launched',
      firstEvaluatedAt: ago(40 * DAY),
      lastEvaluatedAt: NOW,
      launched: { variation: 0, since: ago(10 * DAY) },
    });
    // Never anything else: since its first evaluation.
    expect(flagStatus(active, [variation(0, ago(12 * DAY), NOW)], NOW, N).launched).toEqual({ variation: 0, since: ago(12 * DAY) });
  });

  it('needs the flag to have been evaluated for at least N days: first seen exactly N days ago is enough', () => {
    expect(statusOf([variation(0, ago(N * DAY), NOW)])).toBe('launched');
    expect(statusOf([variation(0, ago(N * DAY - 1), NOW)])).toBe('active');
  });

  it('counts another variation or an error served exactly N days ago as served in the last N days', () => {
    expect(statusOf([variation(0, ago(20 * DAY), NOW), variation(1, ago(20 * DAY), ago(N * DAY))])).toBe('active');
    expect(statusOf([variation(0, ago(20 * DAY), NOW), variation(1, ago(20 * DAY), ago(N * DAY + 1))])).toBe('launched');
    expect(statusOf([variation(0, ago(20 * DAY), NOW), error('MALFORMED_FLAG', ago(N * DAY), ago(N * DAY))])).toBe('active');
    expect(statusOf([variation(0, ago(20 * DAY), NOW), error('MALFORMED_FLAG', ago(9 * DAY), ago(N * DAY + 1))])).toBe('launched');
  });

  it('is not launched when only errors were counted recently', () => {
    expect(statusOf([variation(0, ago(20 * DAY), ago(10 * DAY)), error('FLAG_NOT_FOUND', ago(10 * DAY), NOW)])).toBe('active');
  });

  it('is archived-but-evaluated when anything was counted after the flag was archived, errors included', () => {
    const archived = { archived: true, archivedAt: ago(3 * DAY) };
    expect(statusOf([variation(0, ago(30 * DAY), ago(2 * DAY))], archived)).toBe('archived-but-evaluated');
    // Archiving removes the flag from snapshots: SDKs then count FLAG_NOT_FOUND.
    expect(statusOf([variation(0, ago(30 * DAY), ago(3 * DAY)), error('FLAG_NOT_FOUND', ago(3 * DAY), NOW)], archived)).toBe(
      'archived-but-evaluated',
    );
    // Last counted at the very moment of archiving, or before: the flag's other statuses apply.
    expect(statusOf([variation(0, ago(30 * DAY), ago(3 * DAY))], archived)).toBe('launched');
    expect(statusOf([variation(0, ago(30 * DAY), ago(20 * DAY))], archived)).toBe('inactive');
    expect(statusOf([], archived)).toBe('new');
  });

  it('forgets the archiving once the flag is restored, and never applies it to a key of no flag', () => {
    expect(statusOf([variation(0, ago(30 * DAY), NOW)], { archived: false, archivedAt: ago(3 * DAY) })).toBe('launched');
    expect(statusOf([variation(0, ago(30 * DAY), NOW), variation(1, ago(1 * DAY), NOW)], null)).toBe('active');
  });

  it('takes N from the caller', () => {
    const served = [variation(0, ago(20 * DAY), ago(10 * DAY))];
    expect(flagStatus(active, served, NOW, 7).status).toBe('inactive');
    expect(flagStatus(active, served, NOW, 14).status).toBe('launched');
    expect(flagStatus(active, served, NOW, 30).status).toBe('active');
  });
});

import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { listEnvironments, listFlags } from '../../api/flags.ts';
import type { Environment, Flag, FlagStatus, LivePlan } from '../../api/types.ts';

export type EnvironmentState = { on: boolean; status?: FlagStatus; releasePlan?: LivePlan | null; pendingSchedules?: number };
export type FlagRow = { flag: Flag; states: Record<string, EnvironmentState> };

export type FlagListQuery = { q: string; tags: readonly string[]; archived: boolean; offset: number; limit: number };

export type FlagList = {
  environments: Environment[] | null;
  rows: FlagRow[] | null;
  total: number;
  error: string | null;
  reload: () => void;
  /** Shows a state this page just wrote, without waiting for the next poll. */
  setState: (flagKey: string, environmentKey: string, on: boolean) => void;
};

/**
 * One page of flags with each flag's state in every environment: one GET /api/flags?env=X per
 * environment (each gives the page with `on` and `status` there), merged by key. The server filters and
 * pages, so 5,000 flags cost the browser no more than 50; polling every `pollMs` brings in other
 * people's changes (skipped while the tab is hidden).
 */
export function useFlagList(query: FlagListQuery, pollMs: number): FlagList {
  const [environments, setEnvironments] = useState<Environment[] | null>(null);
  const [result, setResult] = useState<{ rows: FlagRow[]; total: number } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const latest = useRef(0);

  const { q, tags, archived, offset, limit } = query;
  const tagKey = tags.join(',');

  useEffect(() => {
    let live = true;
    listEnvironments().then(
      (items) => live && setEnvironments(items),
      (caught: unknown) => live && setError(describeError(caught)),
    );
    return () => {
      live = false;
    };
  }, []);

  // A new query shows nothing until its first answer, rather than the previous query's rows.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the query's parts are what resets the rows
  useEffect(() => setResult(null), [q, tagKey, archived, offset, limit]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is how reload() asks for a read now
  useEffect(() => {
    if (!environments) return;
    const controller = new AbortController();
    const tag = tagKey ? tagKey.split(',') : [];
    const load = async () => {
      const run = ++latest.current;
      const base = { q, tag, limit, offset, archived: archived ? ('all' as const) : ('false' as const) };
      try {
        const pages = await Promise.all(
          environments.length === 0
            ? [listFlags(base, controller.signal)]
            : environments.map((env) => listFlags({ ...base, env: env.key }, controller.signal)),
        );
        if (run !== latest.current) return;
        const first = pages[0]!;
        const rows = first.items.map((flag) => {
          const states: Record<string, EnvironmentState> = {};
          environments.forEach((env, i) => {
            const item = pages[i]?.items.find((candidate) => candidate.key === flag.key);
            if (item?.on === undefined) return;
            const { on, status, releasePlan, pendingSchedules } = item;
            states[env.key] = {
              on,
              ...(status ? { status } : {}),
              ...(releasePlan ? { releasePlan } : {}),
              ...(pendingSchedules ? { pendingSchedules } : {}),
            };
          });
          return { flag, states };
        });
        setResult({ rows, total: first.total });
        setError(null);
      } catch (caught) {
        if (controller.signal.aborted || run !== latest.current) return;
        setError(describeError(caught));
      }
    };
    load();
    const timer = window.setInterval(() => {
      if (!document.hidden) load();
    }, pollMs);
    return () => {
      controller.abort();
      window.clearInterval(timer);
    };
  }, [environments, q, tagKey, archived, offset, limit, pollMs, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  const setState = useCallback((flagKey: string, environmentKey: string, on: boolean) => {
    setResult((current) =>
      current
        ? {
            ...current,
            rows: current.rows.map((row) =>
              row.flag.key === flagKey
                ? { ...row, states: { ...row.states, [environmentKey]: { ...row.states[environmentKey], on } } }
                : row,
            ),
          }
        : current,
    );
  }, []);

  return { environments, rows: result?.rows ?? null, total: result?.total ?? 0, error, reload, setState };
}

import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { listSegments, SEGMENT_PAGE, type Segment } from './segments-api.ts';

/** More than this many segments in one environment are not all listed (the page says so). */
const MAX_PAGES = 10;

export type SegmentList = { items: Segment[] | null; total: number; error: string | null; reload: () => void };

/** Every segment of the environment (up to MAX_PAGES pages of the server's), by key. */
export function useSegments(env: string): SegmentList {
  const [items, setItems] = useState<Segment[] | null>(null);
  const [total, setTotal] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is how reload() asks for a read now
  useEffect(() => {
    const controller = new AbortController();
    setItems(null);
    setError(null);
    (async () => {
      const all: Segment[] = [];
      let count = 0;
      for (let page = 0; page < MAX_PAGES; page++) {
        const answer = await listSegments(env, page * SEGMENT_PAGE, controller.signal);
        all.push(...answer.items);
        count = answer.total;
        if (all.length >= count || answer.items.length === 0) break;
      }
      setItems(all);
      setTotal(count);
    })().catch((caught: unknown) => {
      if (!controller.signal.aborted) setError(describeError(caught));
    });
    return () => controller.abort();
  }, [env, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { items, total, error, reload };
}

import { useCallback, useEffect, useRef, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { type AuditEvent, type AuditFilters, listAudit } from './audit-api.ts';

export type AuditLog = {
  items: AuditEvent[] | null;
  /** More (older) events exist: loadMore() reads the next page. */
  hasMore: boolean;
  loadingMore: boolean;
  error: string | null;
  loadMore: () => void;
};

/**
 * The audit log, newest first, `limit` events a page. A new filter starts over from the newest page;
 * loadMore() appends the next, older page through the server's cursor (stable while events arrive).
 */
export function useAuditLog(filters: AuditFilters, limit: number): AuditLog {
  const [items, setItems] = useState<AuditEvent[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  // Each read says which filters it was for; an answer for older filters is dropped.
  const generation = useRef(0);
  const more = useRef<AbortController | null>(null);

  const { flag, environment, actor, action } = filters;

  useEffect(() => {
    const run = ++generation.current;
    more.current?.abort();
    setItems(null);
    setCursor(null);
    setLoadingMore(false);
    const controller = new AbortController();
    listAudit({ flag, environment, actor, action, limit }, controller.signal).then(
      (page) => {
        if (run !== generation.current) return;
        setItems(page.items);
        setCursor(page.nextCursor);
        setError(null);
      },
      (caught: unknown) => {
        if (controller.signal.aborted || run !== generation.current) return;
        setError(describeError(caught));
      },
    );
    return () => controller.abort();
  }, [flag, environment, actor, action, limit]);

  const loadMore = useCallback(() => {
    if (!cursor || more.current) return;
    const run = generation.current;
    const controller = new AbortController();
    more.current = controller;
    setLoadingMore(true);
    listAudit({ flag, environment, actor, action, limit, cursor }, controller.signal)
      .then(
        (page) => {
          if (run !== generation.current) return;
          setItems((current) => [...(current ?? []), ...page.items]);
          setCursor(page.nextCursor);
          setError(null);
        },
        (caught: unknown) => {
          if (controller.signal.aborted || run !== generation.current) return;
          setError(describeError(caught));
        },
      )
      .finally(() => {
        if (more.current === controller) more.current = null;
        if (run === generation.current) setLoadingMore(false);
      });
  }, [cursor, flag, environment, actor, action, limit]);

  return { items, hasMore: cursor !== null, loadingMore, error, loadMore };
}

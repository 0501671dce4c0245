import { useCallback, useEffect, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { listTokens, type Token } from './tokens-api.ts';

/** The active tokens, oldest first. */
export function useTokens(enabled: boolean): { items: Token[] | null; error: string | null; reload: () => void } {
  const [items, setItems] = useState<Token[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is how reload() asks for a read now
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    listTokens().then(
      (list) => {
        if (!live) return;
        setItems(list);
        setError(null);
      },
      (caught: unknown) => live && setError(describeError(caught)),
    );
    return () => {
      live = false;
    };
  }, [enabled, tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { items, error, reload };
}

import { useCallback, useEffect, useState } from 'react';
import { describeError } from './client.ts';
import { listEnvironments } from './flags.ts';
import type { Environment } from './types.ts';

export type Environments = { items: Environment[] | null; error: string | null; reload: () => void };

/** The environments, oldest first, read when the page opens and again on reload(). */
export function useEnvironments(): Environments {
  const [items, setItems] = useState<Environment[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `tick` is how reload() asks for a read now
  useEffect(() => {
    let live = true;
    listEnvironments().then(
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
  }, [tick]);

  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { items, error, reload };
}

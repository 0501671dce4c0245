import { useEffect, useState } from 'react';
import { listEnvironments } from '../api/flags.ts';
import type { Environment } from '../api/types.ts';
import { isProduction } from './production.ts';

/**
 * A banner while the page shows a production environment (`environmentKey`, from the page's path): in
 * words, not in colour alone, so that nobody changes production thinking it is staging.
 */
export function ProductionMarker({ environmentKey }: { environmentKey: string | null }) {
  const [environment, setEnvironment] = useState<Environment | null>(null);

  useEffect(() => {
    setEnvironment(null);
    if (!environmentKey) return;
    let live = true;
    // Without the list no banner shows; the page itself reports a failing server.
    listEnvironments().then(
      (items) => live && setEnvironment(items.find((env) => env.key === environmentKey) ?? null),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [environmentKey]);

  if (!environment || !isProduction(environment)) return null;
  return (
    <section className="production-marker" aria-label="Production environment">
      <strong>Production:</strong> you are looking at <strong>{environment.name}</strong>. Changes here reach real users.
    </section>
  );
}

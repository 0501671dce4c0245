import type { Environment } from '../api/types.ts';

/**
 * The one place that decides which environments are production. The API has no production marker on
 * environments yet; an environment whose key or name says "prod" is treated as production: its toggles
 * ask for confirmation and the layout marks it while someone looks at it.
 */
export const isProduction = (environment: Pick<Environment, 'key' | 'name'>): boolean =>
  /prod/i.test(environment.key) || /prod/i.test(environment.name);

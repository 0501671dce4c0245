import type { Environment } from '../../api/types.ts';

/**
 * The API has no production marker on environments yet; an environment whose key or name says
 * "prod" is treated as production, so its toggles ask for confirmation.
 */
export const isProduction = (environment: Environment): boolean => /prod/i.test(environment.key) || /prod/i.test(environment.name);

// Kept for the pages that import it from here; the rule itself lives in components/production.ts.
export { isProduction } from '../../components/production.ts';

export { prepareSnapshot, PreparedSnapshot, isPreparedSnapshot } from './prepare.ts';
export { evaluate, isEnabled, allFlags, type AllFlagsOptions } from './evaluate.ts';
export { bucket, sha1Hex } from './bucket.ts';
export type * from './types.ts';

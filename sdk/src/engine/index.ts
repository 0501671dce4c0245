/**
 * `@switchyard/sdk/engine`: evaluation (prepare a snapshot, evaluate flags, bucketing) and the model it
 * speaks. Pure: no `node:` module, no `ws`, no zod, so it also runs in browsers and other runtimes.
 */

export * from '../model/index.ts';
export { bucket, sha1Hex } from './bucket.ts';
export { type AllFlagsOptions, allFlags, evaluate, isEnabled } from './evaluate.ts';
export { prepareSnapshot } from './prepare/snapshot.ts';
export { isPreparedSnapshot, PreparedSnapshot } from './prepared.ts';

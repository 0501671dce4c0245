export { createClient, type SwitchyardWeb } from './client.ts';
export { flagValues } from './ofrep.ts';
export type {
  EvaluationContext,
  EventSourceClass,
  EventSourceLike,
  FlagChange,
  FlagValue,
  StorageLike,
  SwitchyardWebOptions,
} from './types.ts';

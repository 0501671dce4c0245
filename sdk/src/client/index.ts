export { createClient, FlagsClient } from './client.ts';
export { StreamError } from './stream.ts';
export type {
  ClientEvaluationDetail,
  ClientEvents,
  ClientLogger,
  ClientOptions,
  ClientReason,
  ClientStatus,
  WebSocketConstructor,
} from './types.ts';

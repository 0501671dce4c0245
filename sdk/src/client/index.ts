export { createClient, FlagsClient } from './client.ts';
export { StreamError } from './stream.ts';
export type {
  ClientOptions,
  ClientStatus,
  ClientLogger,
  ClientEvents,
  ClientReason,
  ClientEvaluationDetail,
  WebSocketConstructor,
} from './types.ts';

/** Reasons shared by every result that carries them (frozen, so results can be handed out without copies). */
import type { ErrorKind, Reason } from '../model/index.ts';

export const REASON_OFF: Reason = Object.freeze({ kind: 'OFF' });
export const REASON_FALLTHROUGH: Reason = Object.freeze({ kind: 'FALLTHROUGH' });
export const REASON_TARGET_MATCH: Reason = Object.freeze({ kind: 'TARGET_MATCH' });

export const ERROR_REASONS: Readonly<Record<ErrorKind, Reason>> = Object.freeze({
  FLAG_NOT_FOUND: Object.freeze({ kind: 'ERROR', errorKind: 'FLAG_NOT_FOUND' }),
  MALFORMED_FLAG: Object.freeze({ kind: 'ERROR', errorKind: 'MALFORMED_FLAG' }),
  USER_NOT_SPECIFIED: Object.freeze({ kind: 'ERROR', errorKind: 'USER_NOT_SPECIFIED' }),
  WRONG_TYPE: Object.freeze({ kind: 'ERROR', errorKind: 'WRONG_TYPE' }),
  EXCEPTION: Object.freeze({ kind: 'ERROR', errorKind: 'EXCEPTION' }),
} as const);

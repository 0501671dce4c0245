import { DomainError } from './domain-error.ts';

/** The write was based on a version (If-Match) that is no longer current; nothing was changed. */
export class VersionMismatchError extends DomainError {
  readonly code = 'version_mismatch';

  constructor(readonly currentVersion: number) {
    super(`The resource changed since you read it: its current version is ${currentVersion}. Read it again and retry.`, [
      { path: 'headers.if-match', message: `stale version; current version is ${currentVersion}` },
    ]);
  }
}

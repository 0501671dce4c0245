/**
 * The on-disk copy of the last snapshot. The file records a fingerprint of the SDK key (a truncated
 * SHA-256, which reveals nothing about the key) so a copy left by another key's environment is never
 * served or used to resume. Bootstrap files may be a plain snapshot or such a file.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Snapshot } from '../model/index.ts';
import { isSnapshot } from './messages.ts';

type PersistedFile = { switchyardSnapshot: 1; keyFingerprint: string | null; snapshot: Snapshot };

export function keyFingerprint(sdkKey: string | undefined): string | null {
  return sdkKey ? createHash('sha256').update(sdkKey, 'utf8').digest('hex').slice(0, 16) : null;
}

function unwrap(value: unknown): { snapshot: Snapshot; keyFingerprint?: string | null } | undefined {
  if (isSnapshot(value)) return { snapshot: value };
  if (typeof value === 'object' && value !== null && (value as PersistedFile).switchyardSnapshot === 1) {
    const file = value as PersistedFile;
    if (isSnapshot(file.snapshot)) return { snapshot: file.snapshot, keyFingerprint: file.keyFingerprint };
  }
  return undefined;
}

/**
 * Reads a bootstrap file: a snapshot, or a file written by `persistPath`. Throws with a readable message.
 * Reading at start is synchronous so that rules are there as soon as createClient returns.
 */
export function readBootstrapFile(path: string): Snapshot {
  const parsed = unwrap(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed) throw new Error(`${path} does not hold a Switchyard snapshot`);
  return parsed.snapshot;
}

/** The persisted snapshot of this key, or undefined when there is none (missing file, or not written for this key). */
export function readPersisted(path: string, fingerprint: string | null): Snapshot | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const parsed = unwrap(JSON.parse(text));
  if (!parsed) throw new Error(`${path} does not hold a Switchyard snapshot`);
  if (parsed.keyFingerprint !== fingerprint) return undefined;
  return parsed.snapshot;
}

/** Writes the latest snapshot at most once per debounce period; each write is a temp file renamed over the target. */
export class SnapshotWriter {
  private pending: Snapshot | undefined;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly path: string,
    private readonly fingerprint: string | null,
    private readonly debounceMs: number,
    private readonly onError: (err: Error) => void,
  ) {}

  schedule(snapshot: Snapshot): void {
    this.pending = snapshot;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.debounceMs);
  }

  /** Writes what is pending now (used by close()) and waits for any write in progress. */
  async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const snapshot = this.pending;
    this.pending = undefined;
    if (snapshot) this.writing = this.writing.then(() => this.write(snapshot));
    await this.writing;
  }

  private async write(snapshot: Snapshot): Promise<void> {
    const body: PersistedFile = { switchyardSnapshot: 1, keyFingerprint: this.fingerprint, snapshot };
    const temp = `${this.path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(dirname(this.path), { recursive: true });
      await writeFile(temp, JSON.stringify(body), { mode: 0o600 });
      await rename(temp, this.path);
    } catch (err) {
      await rm(temp, { force: true }).catch(() => undefined);
      this.onError(new Error(`could not write ${this.path}: ${(err as Error).message}`, { cause: err }));
    }
  }
}

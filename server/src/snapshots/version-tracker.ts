import type { PrismaClient } from '../db/prisma.ts';
import { loadVersions } from './read-model.ts';

/**
 * The latest known version of each environment, kept in memory so that serving a cached snapshot
 * costs no database round trip. Raised by change notices and by a periodic database check, which
 * is also the safety net for notices lost on the way (Redis restart, network blip).
 */
export class VersionTracker {
  private readonly versions = new Map<string, number>();
  private readonly checkedListeners = new Set<() => void>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;
  /** Forgotten (deleted) while a check was reading: that check's reading of them is already out of date. */
  private readonly forgottenDuringCheck = new Set<string>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly onError: (err: unknown) => void,
  ) {}

  get(environmentKey: string): number | undefined {
    return this.versions.get(environmentKey);
  }

  /** Records that `environmentKey` is at least at `version`. */
  observe(environmentKey: string, version: number): void {
    const known = this.versions.get(environmentKey);
    if (known !== undefined && known >= version) return;
    this.versions.set(environmentKey, version);
  }

  forget(environmentKey: string): void {
    this.versions.delete(environmentKey);
    if (this.checking) this.forgottenDuringCheck.add(environmentKey);
  }

  /** Calls `listener` after each check (successful or not), e.g. to bring stream connections up to the versions it found. */
  onChecked(listener: () => void): () => void {
    this.checkedListeners.add(listener);
    return () => this.checkedListeners.delete(listener);
  }

  /** Reads every environment's version from the database (one query) and records advances. */
  check(): Promise<void> {
    this.checking ??= loadVersions(this.prisma)
      .then((versions) => {
        for (const key of this.versions.keys()) if (!versions.has(key)) this.forget(key);
        for (const [key, version] of versions) if (!this.forgottenDuringCheck.has(key)) this.observe(key, version);
      })
      .catch(this.onError)
      .finally(() => {
        this.checking = null;
        this.forgottenDuringCheck.clear();
        // Also after a failed check: listeners retry what an earlier failure left behind.
        for (const listener of this.checkedListeners) listener();
      });
    return this.checking;
  }

  /** Checks every `intervalMs`: the safety net for lost notices. */
  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.checkedListeners.clear();
  }
}

import type { PrismaClient } from '../db/prisma.ts';
import { loadVersions } from './snapshot.ts';

type Listener = (environmentKey: string, version: number) => void;

/**
 * The latest known version of each environment, kept in memory so that serving a cached snapshot
 * costs no database round trip. Raised by change notices and by a periodic database check, which
 * is also the safety net for notices lost on the way (Redis restart, network blip).
 */
export class VersionTracker {
  private readonly versions = new Map<string, number>();
  private readonly listeners = new Set<Listener>();
  private timer: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly onError: (err: unknown) => void,
  ) {}

  get(environmentKey: string): number | undefined {
    return this.versions.get(environmentKey);
  }

  /** Records that `environmentKey` is at least at `version`; listeners hear only of advances. */
  observe(environmentKey: string, version: number): void {
    const known = this.versions.get(environmentKey);
    if (known !== undefined && known >= version) return;
    this.versions.set(environmentKey, version);
    for (const listener of this.listeners) listener(environmentKey, version);
  }

  forget(environmentKey: string): void {
    this.versions.delete(environmentKey);
  }

  onAdvance(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Reads every environment's version from the database (one query) and records advances. */
  check(): Promise<void> {
    this.checking ??= loadVersions(this.prisma)
      .then((versions) => {
        for (const key of this.versions.keys()) if (!versions.has(key)) this.forget(key);
        for (const [key, version] of versions) this.observe(key, version);
      })
      .catch(this.onError)
      .finally(() => {
        this.checking = null;
      });
    return this.checking;
  }

  start(intervalMs: number): void {
    this.timer = setInterval(() => void this.check(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.listeners.clear();
  }
}

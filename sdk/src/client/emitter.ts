import type { ClientEvents, ClientLogger } from './types.ts';

type Listener = (...args: never[]) => void;

/**
 * A small typed event emitter. Unlike node:events it never throws: a listener that throws is logged
 * and the others still run, and an 'error' nobody listens to is logged rather than crashing the process.
 */
export class ClientEmitter {
  private readonly listeners = new Map<keyof ClientEvents, Set<Listener>>();

  constructor(private readonly logger: ClientLogger) {}

  on<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as Listener);
  }

  off<E extends keyof ClientEvents>(event: E, listener: ClientEvents[E]): void {
    this.listeners.get(event)?.delete(listener as Listener);
  }

  emit<E extends keyof ClientEvents>(event: E, ...args: Parameters<ClientEvents[E]>): void {
    const set = this.listeners.get(event);
    if (event === 'error' && (!set || set.size === 0)) {
      this.logger.warn(`[switchyard] ${(args[0] as Error).message}`);
      return;
    }
    for (const listener of [...(set ?? [])]) {
      try {
        (listener as (...a: unknown[]) => void)(...args);
      } catch (err) {
        this.logger.error(`[switchyard] a '${event}' listener threw`, err);
      }
    }
  }

  clear(): void {
    this.listeners.clear();
  }
}

type Listener = (payload: never) => void;

/** Listeners by event name. A listener that throws is reported and the others still run. */
export function createEmitter(report: (error: unknown) => void) {
  const listeners = new Map<string, Set<Listener>>();
  return {
    on(event: string, listener: Listener): () => void {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    emit(event: string, payload: unknown): void {
      for (const listener of [...(listeners.get(event) ?? [])]) {
        try {
          (listener as (payload: unknown) => void)(payload);
        } catch (error) {
          report(error);
        }
      }
    },
    clear(): void {
      listeners.clear();
    },
  };
}

import { createBackoff } from './backoff.ts';
import type { LiveStream } from './ofrep.ts';
import type { EventSourceClass, EventSourceLike } from './types.ts';

type VisibleDocument = {
  visibilityState?: string;
  addEventListener(type: string, listener: () => void): void;
  removeEventListener(type: string, listener: () => void): void;
};

/**
 * Keeps the OFREP event stream (SSE) open and calls `refetch` on each `refetchEvaluation` event (Switchyard
 * sends one on every connection, so nothing is missed while disconnected). After an error it waits (backoff
 * with jitter; EventSource's own retry is cut short), refetches, which replaces this stream when the answer
 * names another URL (the stream token expired), then reconnects. It closes while the page has been hidden
 * for the stream's inactivity delay, and opens again when the page is shown.
 */
export function keepLive(
  EventSourceOf: EventSourceClass,
  stream: LiveStream,
  refetch: () => Promise<unknown>,
  report: (error: unknown) => void,
): { close(): void } {
  const backoff = createBackoff();
  const page = (globalThis as { document?: VisibleDocument }).document;
  let source: EventSourceLike | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;

  const disconnect = () => {
    clearTimeout(timer);
    source?.close();
    source = null;
  };

  const connect = () => {
    disconnect();
    if (closed) return;
    try {
      const current = (source = new EventSourceOf(stream.url));
      current.onopen = () => backoff.reset();
      current.onmessage = (event) => {
        try {
          if (JSON.parse(event.data)?.type === 'refetchEvaluation') void refetch();
        } catch (error) {
          report(error);
        }
      };
      current.onerror = () => {
        if (source !== current) return;
        disconnect();
        timer = setTimeout(() => refetch().then(connect), backoff.next());
      };
    } catch (error) {
      report(error);
      timer = setTimeout(connect, backoff.next());
    }
  };

  const onVisibility = () => {
    clearTimeout(timer);
    if (page?.visibilityState === 'hidden') timer = setTimeout(disconnect, stream.inactivityDelayMs);
    else if (!source) connect();
  };

  connect();
  page?.addEventListener('visibilitychange', onVisibility);
  return {
    close() {
      closed = true;
      disconnect();
      page?.removeEventListener('visibilitychange', onVisibility);
    },
  };
}

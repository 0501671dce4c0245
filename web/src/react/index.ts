import { createContext, createElement, type ReactNode, useCallback, useContext, useSyncExternalStore } from 'react';
import type { SwitchyardWeb } from '../client.ts';
import { pick } from '../pick.ts';

const ClientContext = createContext<SwitchyardWeb | null>(null);

/** Makes `client` the one `useFlag` reads below it. */
export function SwitchyardProvider({ client, children }: { client: SwitchyardWeb; children?: ReactNode }) {
  return createElement(ClientContext.Provider, { value: client }, children);
}

/** The client of the nearest SwitchyardProvider, or null when there is none. */
export function useSwitchyard(): SwitchyardWeb | null {
  return useContext(ClientContext);
}

/**
 * The flag's value (as `client.variation`), re-rendering this component only when this flag changes.
 * Rendered on the server and while hydrating, it reads the client's bootstrap values, so the server's
 * HTML and the first render in the browser agree; it never touches window or localStorage while rendering.
 * With no provider above it, the default.
 */
export function useFlag<T>(key: string, defaultValue: T): T {
  const client = useContext(ClientContext);
  const subscribe = useCallback((onChange: () => void) => (client ? client.on(`change:${key}`, onChange) : () => {}), [client, key]);
  return useSyncExternalStore(
    subscribe,
    () => (client ? client.variation(key, defaultValue) : defaultValue),
    () => (client ? pick(client.bootstrap[key], defaultValue) : defaultValue),
  );
}

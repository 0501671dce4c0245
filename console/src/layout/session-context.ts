import { createContext, useContext } from 'react';
import type { Session } from '../api/session.ts';

/** The signed-in person, for pages that show or hide what their roles allow. The layout provides it. */
export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside the signed-in layout');
  return session;
}

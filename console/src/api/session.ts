import { request, setCsrfToken } from './client.ts';

export type Role = 'admin' | 'editor' | 'viewer' | (string & {});

export type Session = {
  name: string;
  role: Role;
  environmentRoles: Record<string, Role>;
  csrfToken: string;
  expiresAt: string;
};

/** The current session, or null when there is none (401). */
export async function readSession(): Promise<Session | null> {
  try {
    const session = await request<Session>('GET', '/session', { expectUnauthorized: true });
    setCsrfToken(session.csrfToken);
    return session;
  } catch (error) {
    if (error instanceof Error && 'status' in error && error.status === 401) {
      setCsrfToken(null);
      return null;
    }
    throw error;
  }
}

/** Exchanges an API token for a session cookie. The token is sent once and kept nowhere. */
export async function signIn(token: string): Promise<Session> {
  const session = await request<Session>('POST', '/session', { body: { token }, expectUnauthorized: true });
  setCsrfToken(session.csrfToken);
  return session;
}

export async function signOut(): Promise<void> {
  try {
    await request<void>('DELETE', '/session', { expectUnauthorized: true });
  } finally {
    setCsrfToken(null);
  }
}

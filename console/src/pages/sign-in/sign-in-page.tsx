import { type FormEvent, useId, useState } from 'react';
import { ApiError, describeError } from '../../api/client.ts';
import { type Session, signIn } from '../../api/session.ts';

/** Sign in with an API token: the server answers with a session cookie; the token is kept nowhere. */
export function SignInPage({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const tokenId = useId();
  const hintId = useId();

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const input = form.elements.namedItem('token') as HTMLInputElement;
    const token = input.value.trim();
    if (!token) {
      setError('Enter an API token.');
      input.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const session = await signIn(token);
      form.reset();
      onSignedIn(session);
    } catch (caught) {
      setError(caught instanceof ApiError && caught.status === 401 ? 'This token is not valid, or it was revoked.' : describeError(caught));
      input.select();
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="sign-in">
      <form className="sign-in-card" onSubmit={submit} noValidate>
        <h1>Sign in to Switchyard</h1>
        <label htmlFor={tokenId}>API token</label>
        <input
          id={tokenId}
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          aria-describedby={hintId}
          aria-invalid={error ? true : undefined}
          // biome-ignore lint/a11y/noAutofocus: the page has one field and nothing else to do
          autoFocus
        />
        <p id={hintId} className="hint">
          An admin or user token, such as the one printed on first start. It is exchanged for a session and not stored in this browser.
        </p>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

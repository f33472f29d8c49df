import { useState } from 'preact/hooks';
import { AdminApiError } from './api/admin-api.js';

/**
 * The key form. The key goes to `GET /admin/v1/whoami` in a header; the form never submits
 * itself (no key in a URL, even without JavaScript: it posts, and the CSP forbids form targets).
 */
export function SignIn(props: { onSignIn: (key: string) => Promise<void>; notice: string | undefined }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    const trimmed = key.trim();
    if (trimmed === '') {
      setError('Enter an admin or operator key.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await props.onSignIn(trimmed);
    } catch (failure) {
      setError(signInError(failure));
      setBusy(false);
    }
  }

  return (
    <main id="main" class="sign-in">
      <h1>Palisade console</h1>
      <form method="post" onSubmit={submit} aria-describedby="sign-in-help" noValidate>
        <p id="sign-in-help">
          Sign in with a Palisade key that has the <code>admin</code> scope (your tenant) or <code>operator</code> scope (every tenant). The key stays in this tab
          only and is cleared when you close it or sign out.
        </p>
        {props.notice === undefined ? null : (
          <p class="note" role="status">
            {props.notice}
          </p>
        )}
        <label class="field" for="admin-key">
          <span>Admin key</span>
          <input
            id="admin-key"
            name="admin-key"
            type="password"
            autocomplete="off"
            spellcheck={false}
            value={key}
            onInput={(event) => setKey(event.currentTarget.value)}
            aria-invalid={error === undefined ? undefined : 'true'}
            aria-describedby={error === undefined ? undefined : 'sign-in-error'}
            required
          />
        </label>
        {error === undefined ? null : (
          <p id="sign-in-error" class="note note-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

function signInError(failure: unknown): string {
  if (failure instanceof AdminApiError) {
    if (failure.status === 401) return `This key was not accepted: ${failure.message}. Check that it is a current Palisade key (psk_…).`;
    if (failure.status === 403) return 'This key works, but it has no admin or operator scope, so it cannot use the console.';
    return failure.message;
  }
  return failure instanceof Error ? failure.message : String(failure);
}

// Sign in with a bearer token. The token is checked against the hub before it is kept.

import { useState } from 'preact/hooks';
import { checkToken } from '../api/client.js';
import { setToken } from '../api/token.js';

export function Login({ onDone, reason }: { onDone: () => void; reason?: string }) {
  const [token, setDraft] = useState('');
  const [error, setError] = useState(reason ?? '');
  const [busy, setBusy] = useState(false);
  return (
    <form
      class="login"
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        checkToken(token.trim())
          .then(() => {
            setToken(token.trim());
            onDone();
          })
          .catch((err: Error) => setError(err.message))
          .finally(() => setBusy(false));
      }}
    >
      <h1>Drover</h1>
      <p>Sign in with a bearer token of this hub (kept in this tab only).</p>
      <input
        type="password"
        autocomplete="off"
        placeholder="token"
        value={token}
        onInput={(e) => setDraft((e.target as HTMLInputElement).value)}
        data-testid="token"
      />
      <button type="submit" disabled={busy} data-testid="login">
        Sign in
      </button>
      {error && <p class="error">{error}</p>}
    </form>
  );
}

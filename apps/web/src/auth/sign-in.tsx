import { type FormEvent, useEffect, useId, useState } from 'react';
import { createApiClient, messageOf } from '../api/http.js';
import type { AuthMode } from '../api/types.js';
import { markFirstContent } from '../app/first-content.js';
import { useDocumentTitle } from '../app/router.js';
import { ErrorNotice, Loading } from '../ui/feedback.js';
import { devLogin, fetchAuthMode } from './auth-api.js';
import { startSignIn } from './oidc.js';
import { type Session, sessionFromToken } from './session.js';

interface SignInProps {
  onSignedIn: (session: Session) => void;
  /** Why the user is here again (an expired session, a failed OIDC callback). */
  notice: string | null;
  returnTo: string;
}

/** Signing in the way the server supports: dev sign-in, the organisation's OIDC issuer, or a pasted token. */
export function SignIn({ onSignedIn, notice, returnTo }: SignInProps) {
  useDocumentTitle('Sign in');
  const [mode, setMode] = useState<AuthMode | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    fetchAuthMode().then(setMode, (err: unknown) => setError(messageOf(err)));
  }, []);
  useEffect(() => {
    if (mode) markFirstContent();
  }, [mode]);

  return (
    <main id="main" className="sign-in">
      <h1>Sign in to BYOK Gateway</h1>
      <p className="muted">Store your own LLM provider keys, encrypted, and use them through one OpenAI-compatible endpoint.</p>
      {notice ? (
        <p className="notice notice-info" role="status">
          {notice}
        </p>
      ) : null}
      {error ? <ErrorNotice message={error} /> : null}
      {!mode && !error ? <Loading label="Loading sign-in options…" /> : null}
      {mode?.mode === 'dev' ? <DevSignIn onSignedIn={onSignedIn} /> : null}
      {mode?.mode === 'oidc' ? <OidcSignIn issuer={mode.issuer} clientId={mode.client_id} returnTo={returnTo} /> : null}
      {mode?.mode === 'token' ? <TokenSignIn onSignedIn={onSignedIn} /> : null}
    </main>
  );
}

function DevSignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [userId, setUserId] = useState('');
  const [admin, setAdmin] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const ids = { user: useId(), admin: useId(), help: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (userId.trim() === '') {
      setError('Enter a user id, for example alice.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const { token, expiresAtMs } = await devLogin(userId.trim(), admin);
      onSignedIn(sessionFromToken(token, expiresAtMs));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <form className="card sign-in-form" onSubmit={submit} noValidate>
      <p id={ids.help} className="muted small">
        Development mode: the server generated its own signing secret, so you can sign in as any user. Production deployments sign in through your identity provider.
      </p>
      <div className="field">
        <label htmlFor={ids.user}>User id</label>
        <input id={ids.user} name="user_id" autoComplete="username" placeholder="alice" value={userId} onChange={(e) => setUserId(e.target.value)} aria-describedby={ids.help} aria-invalid={error !== null} />
      </div>
      <div className="checkbox">
        <input id={ids.admin} type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} />
        <label htmlFor={ids.admin}>Admin (opens the job dashboard and admin routes)</label>
      </div>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

function OidcSignIn({ issuer, clientId, returnTo }: { issuer: string; clientId: string; returnTo: string }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function go() {
    setBusy(true);
    setError(null);
    try {
      await startSignIn({ issuer, clientId }, returnTo);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }
  return (
    <div className="card sign-in-form">
      <p className="muted small">You sign in at {new URL(issuer).host} and come back here.</p>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="button" className="button button-primary" onClick={go} disabled={busy}>
        {busy ? 'Redirecting…' : 'Sign in with your organisation'}
      </button>
    </div>
  );
}

function TokenSignIn({ onSignedIn }: { onSignedIn: (session: Session) => void }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    const value = token.trim();
    if (value === '') {
      setError('Paste a bearer token.');
      return;
    }
    setBusy(true);
    setError(null);
    // Checked against the API before it is kept, so a wrong paste says so here.
    const probe = createApiClient({ token: value, onUnauthorized: () => undefined });
    try {
      await probe.get('/api/v1/llm/byok/keys');
      onSignedIn(sessionFromToken(value));
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <form className="card sign-in-form" onSubmit={submit} noValidate>
      <div className="field">
        <label htmlFor={id}>Bearer token</label>
        <textarea id={id} rows={4} spellCheck={false} value={token} onChange={(e) => setToken(e.target.value)} aria-invalid={error !== null} />
        <p className="muted small">
          Ask your administrator for a token, or run <code>npm run token -- --user alice</code> on the server.
        </p>
      </div>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? 'Checking…' : 'Sign in'}
      </button>
    </form>
  );
}

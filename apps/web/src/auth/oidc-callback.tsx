import { useEffect, useRef } from 'react';
import { messageOf } from '../api/http.js';
import { Loading } from '../ui/feedback.js';
import { fetchAuthMode } from './auth-api.js';
import { completeSignIn } from './oidc.js';
import type { Session } from './session.js';

interface OidcCallbackProps {
  onSignedIn: (session: Session, returnTo: string) => void;
  onFailed: (message: string) => void;
}

/** The page the identity provider sends the browser back to: trade the code for a token, once. */
export function OidcCallback({ onSignedIn, onFailed }: OidcCallbackProps) {
  // A code is single-use; React's development double effects must not spend it twice.
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    (async () => {
      const mode = await fetchAuthMode();
      if (mode.mode !== 'oidc') throw new Error('This server does not sign in through an identity provider.');
      const { session, returnTo } = await completeSignIn({ issuer: mode.issuer, clientId: mode.client_id }, new URL(location.href));
      onSignedIn(session, returnTo);
    })().catch((err: unknown) => onFailed(messageOf(err)));
  }, [onSignedIn, onFailed]);
  return (
    <main id="main" className="sign-in">
      <Loading label="Finishing sign-in…" />
    </main>
  );
}

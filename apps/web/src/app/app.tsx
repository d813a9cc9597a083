import { useCallback, useMemo, useState } from 'react';
import { byokApi } from '../api/byok-api.js';
import { createApiClient } from '../api/http.js';
import { CALLBACK_PATH } from '../auth/oidc.js';
import { OidcCallback } from '../auth/oidc-callback.js';
import { clearSession, loadSession, type Session, saveSession } from '../auth/session.js';
import { SignIn } from '../auth/sign-in.js';
import { ToastProvider } from '../ui/toasts.js';
import { AppContext, type AppContextValue } from './app-context.js';
import { navigate, safeLocalPath, usePathname } from './router.js';
import { Shell } from './shell.js';

/** Signed out: the sign-in (or the OIDC callback). Signed in: the shell with its views. */
export function App() {
  const [session, setSession] = useState<Session | null>(() => loadSession());
  const [notice, setNotice] = useState<string | null>(null);
  const pathname = usePathname();

  const signIn = useCallback((next: Session, returnTo?: string) => {
    saveSession(next);
    setNotice(null);
    setSession(next);
    if (returnTo !== undefined) navigate(safeLocalPath(returnTo), { replace: true });
  }, []);

  const signOut = useCallback((message?: string) => {
    clearSession();
    setNotice(message ?? null);
    setSession(null);
  }, []);

  const onCallbackFailed = useCallback(
    (message: string) => {
      navigate('/account/api-keys', { replace: true });
      signOut(message);
    },
    [signOut],
  );

  const context = useMemo<AppContextValue | null>(() => {
    if (!session) return null;
    const client = createApiClient({
      token: session.token,
      onUnauthorized: (message) => signOut(`Your session has ended (${message}). Sign in again.`),
    });
    return { api: byokApi(client), client, session, signOut };
  }, [session, signOut]);

  return (
    <ToastProvider>
      {pathname === CALLBACK_PATH && !context ? (
        <OidcCallback onSignedIn={signIn} onFailed={onCallbackFailed} />
      ) : context ? (
        <AppContext.Provider value={context}>
          <Shell />
        </AppContext.Provider>
      ) : (
        <SignIn onSignedIn={(s) => signIn(s)} notice={notice} returnTo={pathname} />
      )}
    </ToastProvider>
  );
}

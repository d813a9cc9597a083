import { randomToken, s256Challenge } from './pkce.js';
import { sessionFromToken, type Session } from './session.js';

/**
 * OpenID Connect sign-in for a public client: authorization code with PKCE (S256) and a state
 * value, the token exchange made by the browser itself. Nothing but the issuer's discovery
 * document is trusted for endpoints.
 */

export const CALLBACK_PATH = '/account/signin-callback';
const PENDING_KEY = 'byok.oidc.pending';

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
}

interface PendingSignIn {
  state: string;
  verifier: string;
  returnTo: string;
}

export interface OidcClient {
  issuer: string;
  clientId: string;
}

export async function discover(issuer: string, fetchImpl: typeof fetch = fetch): Promise<Discovery> {
  const response = await fetchImpl(`${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`The identity provider's discovery document answered ${response.status}.`);
  const body: unknown = await response.json();
  if (typeof body !== 'object' || body === null) throw new Error("The identity provider's discovery document is not JSON.");
  const { authorization_endpoint: authorize, token_endpoint: token } = body as Record<string, unknown>;
  if (typeof authorize !== 'string' || typeof token !== 'string') throw new Error("The identity provider's discovery document has no authorization or token endpoint.");
  return { authorization_endpoint: authorize, token_endpoint: token };
}

export function redirectUri(origin = location.origin): string {
  return `${origin}${CALLBACK_PATH}`;
}

/** Sends the browser to the issuer; the page comes back at CALLBACK_PATH with a code. */
export async function startSignIn(client: OidcClient, returnTo: string): Promise<void> {
  const { authorization_endpoint: endpoint } = await discover(client.issuer);
  const pending: PendingSignIn = { state: randomToken(16), verifier: randomToken(32), returnTo };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: client.clientId,
    redirect_uri: redirectUri(),
    scope: 'openid profile email',
    state: pending.state,
    code_challenge: await s256Challenge(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/** Completes a sign-in on the callback URL: checks the state, then trades the code for a token. */
export async function completeSignIn(client: OidcClient, callbackUrl: URL): Promise<{ session: Session; returnTo: string }> {
  const pending = takePending();
  const params = callbackUrl.searchParams;
  const error = params.get('error');
  if (error) throw new Error(`The identity provider refused the sign-in: ${params.get('error_description') ?? error}.`);
  const code = params.get('code');
  if (!pending || !code || params.get('state') !== pending.state) {
    throw new Error('This sign-in link is not the one this tab started (or it was used already). Sign in again.');
  }
  const { token_endpoint: endpoint } = await discover(client.issuer);
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri(),
      client_id: client.clientId,
      code_verifier: pending.verifier,
    }),
  });
  const body: unknown = await response.json().catch(() => null);
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (!response.ok || typeof fields.access_token !== 'string') {
    const reason = typeof fields.error_description === 'string' ? fields.error_description : `the token endpoint answered ${response.status}`;
    throw new Error(`Could not finish signing in: ${reason}.`);
  }
  const expiresIn = typeof fields.expires_in === 'number' ? Date.now() + fields.expires_in * 1000 : null;
  return { session: sessionFromToken(fields.access_token, expiresIn), returnTo: pending.returnTo };
}

function takePending(): PendingSignIn | null {
  const raw = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  if (raw === null) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (typeof value !== 'object' || value === null) return null;
    const v = value as Record<string, unknown>;
    return typeof v.state === 'string' && typeof v.verifier === 'string' && typeof v.returnTo === 'string'
      ? { state: v.state, verifier: v.verifier, returnTo: v.returnTo }
      : null;
  } catch {
    return null;
  }
}

import { ApiError, errorFrom } from '../api/http.js';
import type { AuthMode } from '../api/types.js';

/** The two sign-in calls made before there is a token. */

export async function fetchAuthMode(): Promise<AuthMode> {
  const response = await publicFetch('/api/v1/auth/config', { headers: { accept: 'application/json' } });
  const body: unknown = await response.json();
  const fields = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  if (fields.mode === 'dev') return { mode: 'dev' };
  if (fields.mode === 'oidc' && typeof fields.issuer === 'string' && typeof fields.client_id === 'string') {
    return { mode: 'oidc', issuer: fields.issuer, client_id: fields.client_id };
  }
  return { mode: 'token' };
}

export async function devLogin(userId: string, admin: boolean): Promise<{ token: string; expiresAtMs: number | null }> {
  const response = await publicFetch('/api/v1/auth/dev-login', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ user_id: userId, admin }),
  });
  const body = (await response.json()) as { token: string; expires_at: string };
  const at = Date.parse(body.expires_at);
  return { token: body.token, expiresAtMs: Number.isNaN(at) ? null : at };
}

async function publicFetch(path: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network_error', 'Could not reach the server. Check your connection and try again.');
  }
  if (!response.ok) throw await errorFrom(response);
  return response;
}

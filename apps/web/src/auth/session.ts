/**
 * The signed-in session: the bearer token in sessionStorage (gone when the tab closes). The job
 * dashboard gets its own HttpOnly cookie from the API (`POST /admin/queues/session`), so no script
 * of the page can read a credential from a cookie.
 */

const STORAGE_KEY = 'byok.session';

export interface Session {
  token: string;
  /** Epoch milliseconds, when known. */
  expiresAtMs: number | null;
  userId: string;
  admin: boolean;
}

export function loadSession(storage: Storage = sessionStorage, nowMs = Date.now()): Session | null {
  const raw = storage.getItem(STORAGE_KEY);
  if (raw === null) return null;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (!isSession(parsed) || (parsed.expiresAtMs !== null && parsed.expiresAtMs <= nowMs)) {
      clearSession(storage);
      return null;
    }
    return parsed;
  } catch {
    clearSession(storage);
    return null;
  }
}

export function saveSession(session: Session, storage: Storage = sessionStorage): void {
  storage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(storage: Storage = sessionStorage): void {
  storage.removeItem(STORAGE_KEY);
}

/**
 * A session from a bearer token. The claims are read for display only (who is signed in, whether
 * to show admin links); the API verifies the token on every request.
 */
export function sessionFromToken(token: string, fallbackExpiresAtMs: number | null = null): Session {
  const claims = decodeJwtClaims(token);
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : fallbackExpiresAtMs;
  const roles = [claims.roles, readPath(claims, ['realm_access', 'roles'])].flatMap((r) => (Array.isArray(r) ? r : []));
  const userId = [claims.preferred_username, claims.email, claims.sub].find((v): v is string => typeof v === 'string' && v !== '') ?? 'you';
  return { token, expiresAtMs: exp, userId, admin: roles.includes('admin') };
}

export function decodeJwtClaims(token: string): Record<string, unknown> {
  const payload = token.split('.')[1];
  if (payload === undefined) return {};
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(payload.length / 4) * 4, '='));
    const value: unknown = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function readPath(value: Record<string, unknown>, path: string[]): unknown {
  let current: unknown = value;
  for (const part of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function isSession(value: unknown): value is Session {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.token === 'string' && typeof v.userId === 'string' && typeof v.admin === 'boolean' && (v.expiresAtMs === null || typeof v.expiresAtMs === 'number');
}

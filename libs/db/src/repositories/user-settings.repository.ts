import type { EntityManager } from '@mikro-orm/postgresql';

/** Whether the platform's own keys (charged in credits) may serve a request no BYOK key can. */
export type PlatformFallback = 'allow' | 'never';
export const PLATFORM_FALLBACKS: readonly PlatformFallback[] = ['allow', 'never'];

/** A user's routing settings (`byok_user_settings`). A user without a row has the defaults. */
export interface UserSettings {
  platformFallback: PlatformFallback;
}

/** The settings of a user who never changed them: the earlier system's rule, platform keys allowed. */
export const DEFAULT_USER_SETTINGS: Readonly<UserSettings> = Object.freeze({ platformFallback: 'allow' });

/** The user's settings, or the defaults when they never saved any. */
export async function getUserSettings(em: EntityManager, userId: string): Promise<UserSettings> {
  const rows = await em.execute<Array<{ platform_fallback: string }>>('SELECT platform_fallback FROM byok_user_settings WHERE user_id = ?', [userId]);
  const stored = rows[0]?.platform_fallback;
  // The column's CHECK admits only the two values; anything else would be a hand edit, read as the default.
  return { platformFallback: stored === 'never' ? 'never' : DEFAULT_USER_SETTINGS.platformFallback };
}

/** Stores the user's settings (insert or replace) and returns them as stored. */
export async function putUserSettings(em: EntityManager, userId: string, settings: UserSettings): Promise<UserSettings> {
  await em.execute(
    `INSERT INTO byok_user_settings (user_id, platform_fallback, updated_at) VALUES (?, ?, now())
     ON CONFLICT (user_id) DO UPDATE SET platform_fallback = EXCLUDED.platform_fallback, updated_at = now()`,
    [userId, settings.platformFallback],
  );
  return { platformFallback: settings.platformFallback };
}

import { appendAudit, getUserSettings, putUserSettings, type EntityManager, type UserSettings } from '@byok/db';
import type { Actor } from '../http/actor.js';
import type { UserSettingsView } from './settings.schemas.js';

export interface SettingsServiceDependencies {
  /** The proxies cache each user's routes with the settings; a change must reach them as a key change does. */
  announceKeyChange: (userId: string) => Promise<void>;
}

export type SettingsService = ReturnType<typeof createSettingsService>;

function toView(settings: UserSettings): UserSettingsView {
  return { platform_fallback: settings.platformFallback };
}

/** A user's routing settings (`byok_user_settings`); users who never saved any have the defaults. */
export function createSettingsService(deps: SettingsServiceDependencies) {
  return {
    async get(em: EntityManager, userId: string): Promise<UserSettingsView> {
      return toView(await getUserSettings(em, userId));
    },

    /** Stores the settings with an audit record of what changed (none when nothing did), then tells the proxies. */
    async put(em: EntityManager, actor: Actor, userId: string, view: UserSettingsView): Promise<UserSettingsView> {
      const wanted: UserSettings = { platformFallback: view.platform_fallback };
      const changed = await em.transactional(async (tx) => {
        // Row lock on the settings row, when there is one, so two concurrent changes audit their own before-values.
        await tx.execute('SELECT 1 FROM byok_user_settings WHERE user_id = ? FOR UPDATE', [userId]);
        const before = await getUserSettings(tx, userId);
        await putUserSettings(tx, userId, wanted);
        if (before.platformFallback === wanted.platformFallback) return false;
        await appendAudit(tx, {
          ...actor,
          action: 'settings.updated',
          subjectUserId: userId,
          details: { platform_fallback: { from: before.platformFallback, to: wanted.platformFallback } },
        });
        return true;
      });
      if (changed) await deps.announceKeyChange(userId);
      return toView(wanted);
    },
  };
}

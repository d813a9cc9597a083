import type { Orm } from '@byok/db';
import type { KeyHealthReader } from '@byok/key-health';
import { keyEventDraft } from '../key-events.js';
import { emitNotifications } from '../outbox/emit.js';

/** Ids the proxies track are key row ids; anything else in Redis is not a stored key. */
const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Emits `key_circuit_open` for every enabled key that the proxies have kept blocked (cool-down or
 * open circuit) with failures unbroken by a success for at least `failingAfterS`. The state lives
 * in Redis (`@byok/key-health`), not in a transaction, so the scan is the code that notices the
 * change; the event's dedupe period (an hour per key) keeps a key that goes on failing to one
 * notification an hour, however many notifiers scan. Returns the number of events emitted.
 */
export async function scanFailingKeys(orm: Orm, health: KeyHealthReader, options: { failingAfterS: number; now?: number }): Promise<number> {
  const at = options.now ?? Date.now();
  const blocked = (await health.blockedKeyIds()).filter((id) => KEY_ID.test(id));
  if (blocked.length === 0) return 0;
  const states = await health.read(blocked);
  const failingSince = new Map<string, Date>();
  for (const [id, state] of states) {
    if (state.failingSince !== null && at - state.failingSince.getTime() >= options.failingAfterS * 1000) failingSince.set(id, state.failingSince);
  }
  if (failingSince.size === 0) return 0;
  return orm.em.fork().transactional(async (em) => {
    const rows = await em.execute<Array<{ id: string; user_id: string; provider: string; label: string }>>(
      'SELECT id, user_id, provider, label FROM user_provider_keys WHERE id = ANY(?::uuid[]) AND COALESCE(enabled, TRUE)',
      [`{${[...failingSince.keys()].join(',')}}`],
    );
    const occurredAt = new Date(at).toISOString();
    const drafts = rows.map((row) => {
      const since = failingSince.get(row.id) ?? new Date(at);
      return keyEventDraft('key_circuit_open', { keyId: row.id, userId: row.user_id, provider: row.provider, label: row.label }, {
        occurredAt,
        details: { failingSince: since.toISOString(), failingForS: Math.round((at - since.getTime()) / 1000) },
      });
    });
    const emitted = await emitNotifications(em, drafts);
    return emitted.filter((e) => e.emitted).length;
  });
}

import { publishKeyChange } from '@byok/queues';
import type { SecurityHarness } from './security-harness.js';

/** Rows saved after seeding, and a way to put back the ones that went missing. */
export interface SeededRows {
  /** Re-inserts every saved row that is gone (by primary key), enables the saved keys again, and tells the proxies. */
  restore(): Promise<void>;
}

/**
 * Saves every row of `tables` as JSON. A long fuzz run deletes and disables the user's keys and
 * webhooks early on; after that, the routes that look them up answer only 404, and the run stops
 * reaching them. Putting the rows back now and then (the same ids, so the ids the fuzz draws from
 * stay valid) keeps them reachable. Rows added meanwhile are left alone; a saved row whose identity
 * another row took meanwhile stays out.
 */
export async function snapshotRows(h: SecurityHarness, tables: readonly string[]): Promise<SeededRows> {
  const db = h.api.db;
  const saved = new Map<string, string>();
  for (const table of tables) {
    const [row] = await db.sql<{ rows: unknown }>(`SELECT COALESCE(jsonb_agg(to_jsonb(t)), '[]'::jsonb) AS rows FROM ${table} t`);
    saved.set(table, JSON.stringify(row?.rows ?? []));
  }
  const keyIds = (JSON.parse(saved.get('user_provider_keys') ?? '[]') as Array<{ id: string }>).map((k) => k.id);
  return {
    async restore() {
      for (const [table, rows] of saved) {
        await db.sql(`INSERT INTO ${table} SELECT * FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb) ON CONFLICT DO NOTHING`, [rows]);
      }
      if (keyIds.length > 0) await db.sql('UPDATE user_provider_keys SET enabled = TRUE, admin_disabled_at = NULL, admin_disabled_by = NULL, admin_disabled_reason = NULL WHERE id = ANY($1::uuid[])', [keyIds]);
      await publishKeyChange(h.api.runtime.redis, h.api.redisPrefix, 'fuzz-user');
    },
  };
}

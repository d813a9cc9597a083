import { createHash } from 'node:crypto';
import type { EntityManager, Orm } from '@byok/db';
import { emitNotifications, type NotificationDraft } from '../outbox/emit.js';
import { setKeyEnabledBySystem, type ToggledKey } from './system-key-toggle.js';

const HOUR_MS = 3_600_000;
/** Days of history the hour is compared with. */
const HISTORY_DAYS = 7;

export interface SpendAnomalyOptions {
  /** The hour's spend must exceed this many times the median of the same hour on the days before. */
  factor: number;
  /** …and exceed this (micro-USD), so that small spenders' noise notifies nobody. */
  minMicroUsd: number;
  /** `freeze` also disables the user's own keys until the user enables them again. */
  action: 'notify' | 'freeze';
  /** Platform admins told about every anomaly besides the user. */
  adminUserIds: readonly string[];
  now?: number;
}

/** One user's hour that stood out. */
interface Anomaly {
  userId: string;
  spendMicroUsd: number;
  medianMicroUsd: number;
  /** The same hour's spend on each of the days before, yesterday first. */
  previousDaysMicroUsd: number[];
}

export interface SpendAnomalyResult {
  /** The hour looked at: `[hourStart, hourEnd)`, the last full clock hour (UTC). */
  hourStart: string;
  emitted: number;
  /** Keys `freeze` disabled: announce their owners to the proxies after the commit. */
  frozenKeys: ToggledKey[];
}

/**
 * Users whose spend (`cost_micro` of requests that reached a provider) in `[start, end)` exceeds
 * `minMicroUsd`, with the same hour's spend on each of the seven days before (0 when none) and
 * its median (the fourth of seven). Only users over the minimum are looked back at, so the
 * history is read for the few, not for everyone.
 */
async function hourlySpenders(em: EntityManager, startMs: number, minMicroUsd: number): Promise<Anomaly[]> {
  const rows = await em.execute<Array<{ user_id: string; spend: string; median: string; days: string[] }>>(
    `WITH current AS (
       SELECT user_id, sum(cost_micro) AS spend FROM usage_events
       WHERE occurred_at >= ? AND occurred_at < ? AND blocked_budget_id IS NULL
       GROUP BY user_id HAVING sum(cost_micro) > ?
     ), history AS (
       SELECT c.user_id, d.n, (SELECT COALESCE(sum(u.cost_micro), 0) FROM usage_events u
           WHERE u.user_id = c.user_id AND u.blocked_budget_id IS NULL
             AND u.occurred_at >= ?::timestamptz - make_interval(days => d.n) AND u.occurred_at < ?::timestamptz - make_interval(days => d.n)) AS spend
       FROM current c CROSS JOIN generate_series(1, ?) AS d(n)
     )
     SELECT c.user_id, c.spend::text AS spend, percentile_disc(0.5) WITHIN GROUP (ORDER BY h.spend)::text AS median,
       array_agg(h.spend::text ORDER BY h.n) AS days
     FROM current c JOIN history h ON h.user_id = c.user_id GROUP BY c.user_id, c.spend ORDER BY c.user_id`,
    [new Date(startMs), new Date(startMs + HOUR_MS), minMicroUsd, new Date(startMs), new Date(startMs + HOUR_MS), HISTORY_DAYS],
  );
  return rows.map((row) => ({ userId: row.user_id, spendMicroUsd: Number(row.spend), medianMicroUsd: Number(row.median), previousDaysMicroUsd: row.days.map(Number) }));
}

function usd(micro: number): string {
  return `$${(micro / 1_000_000).toFixed(2)}`;
}

function anomalyDrafts(a: Anomaly, hourStart: string, hourEnd: string, options: SpendAnomalyOptions, frozen: number): NotificationDraft[] {
  const details = {
    subjectUserId: a.userId,
    hourStart,
    hourEnd,
    spendMicroUsd: a.spendMicroUsd,
    medianMicroUsd: a.medianMicroUsd,
    previousDaysMicroUsd: a.previousDaysMicroUsd,
    factor: options.factor,
    minMicroUsd: options.minMicroUsd,
    action: options.action,
    frozenKeys: frozen,
  };
  const what = `${usd(a.spendMicroUsd)} between ${hourStart.slice(11, 16)} and ${hourEnd.slice(11, 16)} UTC, over ${options.factor}× the usual ${usd(a.medianMicroUsd)} for that hour (the median of the last ${HISTORY_DAYS} days)`;
  const own: NotificationDraft = {
    type: 'spend_anomaly',
    userId: a.userId,
    subject: { kind: 'account' },
    title: 'Unusual spend on your account',
    message: `Your requests cost ${what}.${frozen > 0 ? ` Your ${frozen} key${frozen === 1 ? ' was' : 's were'} disabled to stop it.` : ''}`,
    action: frozen > 0 ? 'Find what sent the requests (a leaked gateway token, a runaway script), stop it, then enable your keys again.' : 'Check that you expected these requests; if not, revoke the gateway token that sent them.',
    link: '/account/usage',
    occurredAt: hourEnd,
    details,
    // Once per user and hour: every notifier that scans the hour writes the same dedupe key.
    dedupeScope: hourStart,
  };
  const admins = options.adminUserIds
    .filter((admin) => admin !== a.userId)
    .map(
      (admin): NotificationDraft => ({
        ...own,
        userId: admin,
        title: `Unusual spend by user ${a.userId}`,
        message: `Requests of user ${a.userId} cost ${what}.${frozen > 0 ? ` The user's ${frozen} key${frozen === 1 ? ' was' : 's were'} disabled.` : ''}`,
        action: 'Check with the user whether the spend was expected.',
        // The user by digest: a user id may be 255 characters, and the admin's id is in the key too.
        dedupeScope: `${createHash('sha256').update(a.userId).digest('base64url').slice(0, 22)}:${hourStart}`,
      }),
    );
  return [own, ...admins];
}

/**
 * Looks at the last full clock hour (UTC) before `now` for users whose spend in it exceeds both
 * `minMicroUsd` and `factor` × the median spend of the same hour on the seven days before, and
 * notifies each such user (`spend_anomaly`, once per user and hour) and every admin in
 * `adminUserIds`. With `action = 'freeze'`, the notifier whose event is written first (the others'
 * are duplicates) also disables the user's enabled keys, audited as `key.disabled` with reason
 * `spend_anomaly`; they stay disabled until the user enables them. Organizations' keys are not
 * the user's to lose and are left alone.
 */
export async function scanSpendAnomalies(orm: Orm, options: SpendAnomalyOptions): Promise<SpendAnomalyResult> {
  const hourEndMs = Math.floor((options.now ?? Date.now()) / HOUR_MS) * HOUR_MS;
  const hourStart = new Date(hourEndMs - HOUR_MS).toISOString();
  const hourEnd = new Date(hourEndMs).toISOString();
  return orm.em.fork().transactional(async (em) => {
    const anomalies = (await hourlySpenders(em, hourEndMs - HOUR_MS, options.minMicroUsd)).filter((a) => a.spendMicroUsd > options.factor * a.medianMicroUsd);
    let emitted = 0;
    const frozenKeys: ToggledKey[] = [];
    for (const anomaly of anomalies) {
      const toFreeze = options.action === 'freeze' ? await enabledKeyIds(em, anomaly.userId) : [];
      const [own, ...others] = await emitNotifications(em, anomalyDrafts(anomaly, hourStart, hourEnd, options, toFreeze.length));
      emitted += [own, ...others].filter((e) => e?.emitted).length;
      // Only the scan whose event about the user is new freezes: another notifier's scan of the same hour, or a
      // rescan after the user enabled their keys again, finds the event written and leaves the keys alone.
      if (!own?.emitted) continue;
      for (const keyId of toFreeze) {
        const frozen = await setKeyEnabledBySystem(em, keyId, { enabled: false, details: { reason: 'spend_anomaly', hour: hourStart }, cause: { kind: 'spend_anomaly', hourStart, hourEnd } });
        if (frozen) frozenKeys.push(frozen);
      }
    }
    return { hourStart, emitted, frozenKeys };
  });
}

/** The enabled keys the user owns (organizations' keys have other owners). */
async function enabledKeyIds(em: EntityManager, userId: string): Promise<string[]> {
  const keys = await em.execute<Array<{ id: string }>>('SELECT id FROM user_provider_keys WHERE user_id = ? AND COALESCE(enabled, TRUE) ORDER BY id', [userId]);
  return keys.map((key) => key.id);
}

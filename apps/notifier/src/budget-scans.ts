import type { NotifierConfig } from '@byok/config';
import type { Orm } from '@byok/db';
import { BUDGET_SCAN_OVERLAP_MS, resetBudgetDisabledKeys, scanBudgetAlerts, scanSpendAnomalies, type ToggledKey } from '@byok/notifications';
import { publishKeyChange } from '@byok/queues';
import { type PeriodicTask, startPeriodicTask } from '@byok/runtime';
import type { Logger } from '@byok/telemetry';
import type { Redis } from 'ioredis';

/** How often budgets touched by new usage are checked: thresholds are told within about this long. */
const BUDGET_SCAN_MS = 15_000;
/**
 * How often the spend-anomaly task wakes; it scans an hour once per process (any notifier may scan
 * it again: the dedupe key per user and hour makes that harmless), so this bounds the delay after
 * the hour ends.
 */
const ANOMALY_CHECK_MS = 60_000;
const HOUR_MS = 3_600_000;

export interface BudgetScanDependencies {
  orm: Orm;
  redis: Redis;
  redisPrefix: string;
  settings: NotifierConfig;
  logger: Logger;
  /** Called when events were written, so the outbox drainer moves them now. */
  wake: () => void;
}

/**
 * The budget and spend scans of a notifier: every 15 s, the reset of `disable_key` budgets whose
 * period ended, then thresholds and exhaustion of budgets touched by the usage recorded since the
 * previous scan; once an hour, spend anomalies. Keys they enable or disable are announced on the
 * key-change channel after the commit, so proxies drop their cached routes at once.
 */
export function startBudgetScans(deps: BudgetScanDependencies): PeriodicTask[] {
  const { orm, logger, settings } = deps;
  const announce = async (keys: readonly ToggledKey[]): Promise<void> => {
    // A failed publish fails the run (logged); the change is committed and proxies reload after their cache TTL.
    for (const owner of new Set(keys.map((k) => k.userId))) await publishKeyChange(deps.redis, deps.redisPrefix, owner);
  };
  // This process's first scan looks back one overlap; the ones after it start an overlap before the previous one.
  let scannedUpTo = Date.now();
  let anomalyHourScanned = -1;
  return [
    startPeriodicTask({
      name: 'budget alerts',
      everyMs: BUDGET_SCAN_MS,
      run: async () => {
        const now = Date.now();
        const enabled = await resetBudgetDisabledKeys(orm, { now });
        const result = await scanBudgetAlerts(orm, { since: scannedUpTo - BUDGET_SCAN_OVERLAP_MS, now });
        scannedUpTo = now;
        await announce([...enabled, ...result.disabledKeys]);
        if (result.emitted > 0) deps.wake();
      },
      logger,
    }),
    startPeriodicTask({
      name: 'spend anomalies',
      everyMs: ANOMALY_CHECK_MS,
      run: async () => {
        const now = Date.now();
        const hour = Math.floor(now / HOUR_MS);
        if (hour === anomalyHourScanned) return;
        const result = await scanSpendAnomalies(orm, { ...settings.anomaly, now });
        anomalyHourScanned = hour;
        await announce(result.frozenKeys);
        if (result.emitted === 0) return;
        deps.wake();
        logger.info({ hourStart: result.hourStart, events: result.emitted, frozenKeys: result.frozenKeys.length }, 'spend anomalies notified');
      },
      logger,
    }),
  ];
}

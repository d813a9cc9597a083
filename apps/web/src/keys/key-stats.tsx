import type { KeyView } from '../api/types.js';
import { keyStats } from './key-status.js';

/** Configured, tested and valid keys, at a glance. */
export function KeyStats({ keys, providerCount }: { keys: KeyView[]; providerCount: number }) {
  const stats = keyStats(keys);
  return (
    <dl className="stats" aria-label="Keys in numbers">
      <div className="stat">
        <dt>Configured</dt>
        <dd data-testid="stat-configured">
          {stats.configured}
          <span className="muted small"> of {providerCount}</span>
        </dd>
      </div>
      <div className="stat">
        <dt>Tested</dt>
        <dd data-testid="stat-tested">{stats.tested}</dd>
      </div>
      <div className="stat">
        <dt>Valid</dt>
        <dd data-testid="stat-valid">{stats.valid}</dd>
      </div>
    </dl>
  );
}

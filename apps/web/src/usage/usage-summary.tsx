import type { CreditsView, UsageMetrics } from '../api/types.js';
import { formatAmount, formatCompact, formatDollars, formatNumber } from '../ui/format.js';

interface UsageSummaryProps {
  totals: UsageMetrics;
  /** The user's balance (null: could not be read); left out where credits are not the viewer's, as for an org. */
  credits?: CreditsView | null;
  /** Whose keys the BYOK calls went through, for the saving's note. */
  keysLabel?: string;
}

/** The range's totals, what BYOK saved, and the credit balance. */
export function UsageSummary({ totals, credits, keysLabel = 'your keys' }: UsageSummaryProps) {
  const tokens = totals.prompt_tokens + totals.completion_tokens;
  return (
    <dl className="stats stats-wide" aria-label="Usage in this range">
      <Stat label="Calls" value={formatNumber(totals.calls)} note={totals.errors > 0 ? `${formatNumber(totals.errors)} failed` : undefined} />
      <Stat label="Tokens" value={formatCompact(tokens)} note={`${formatCompact(totals.prompt_tokens)} in, ${formatCompact(totals.completion_tokens)} out`} />
      <Stat label="Provider cost" value={formatDollars(totals.cost_micro)} note="estimated" />
      <Stat label="BYOK saved" value={formatDollars(totals.credits_saved_micro)} note={`${formatNumber(totals.byok_calls)} calls on ${keysLabel}`} testId="stat-saved" />
      {credits === undefined ? null : (
        <Stat
          label="Credits balance"
          value={credits ? formatAmount(credits.balance_micro) : 'Unavailable'}
          note={`${formatAmount(totals.credits_charged_micro)} charged in this range`}
          testId="stat-credits"
        />
      )}
    </dl>
  );
}

function Stat({ label, value, note, testId }: { label: string; value: string; note?: string | undefined; testId?: string }) {
  return (
    <div className="stat">
      <dt>{label}</dt>
      <dd {...(testId ? { 'data-testid': testId } : {})}>
        {value}
        {note ? <span className="muted small stat-note">{note}</span> : null}
      </dd>
    </div>
  );
}

import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { ACTION_LABELS, METRIC_LABELS, PERIOD_LABELS, SCOPE_LABELS } from './budget-figures.js';
import { type BudgetField, type FormErrors, formErrorsOf } from './budget-form-errors.js';
import { BUDGET_METRICS, type BudgetAction, type BudgetInput, type BudgetMetric, type BudgetPeriod, type BudgetScope, type BudgetView } from './budgets-api.js';

export interface BudgetFormProps {
  /** The budget being changed; absent for a new one. */
  initial?: BudgetView;
  /** Choices for provider and key budgets: id and name. */
  providers: ReadonlyArray<{ id: string; name: string }>;
  keys: ReadonlyArray<{ id: string; name: string }>;
  /** Saves; a thrown ApiError's details are shown beside their fields. */
  onSubmit: (input: BudgetInput) => Promise<void>;
  onCancel: () => void;
}

const SCOPES = Object.keys(SCOPE_LABELS) as BudgetScope[];
const PERIODS = Object.keys(PERIOD_LABELS) as BudgetPeriod[];
const NO_ERRORS: FormErrors = { fields: {}, form: null };

/** A number as typed, or the text itself when it is not one, so the API's 400 names the field. */
function parsedNumber(text: string): number | string {
  const trimmed = text.trim();
  const value = Number(trimmed);
  return trimmed !== '' && Number.isFinite(value) ? value : trimmed;
}

/** Spend is typed in dollars and sent in micro-USD. */
function limitText(metric: BudgetMetric, value: number | undefined): string {
  if (value === undefined) return '';
  return metric === 'spend_micro_usd' ? String(value / 1_000_000) : String(value);
}

function limitValue(metric: BudgetMetric, text: string): number | string {
  const value = parsedNumber(text);
  return metric === 'spend_micro_usd' && typeof value === 'number' ? Math.round(value * 1_000_000) : value;
}

/** Creates or changes a budget. Checks are the API's: its 400s appear beside the field they name. */
export function BudgetForm({ initial, providers, keys, onSubmit, onCancel }: BudgetFormProps) {
  const [scope, setScope] = useState<BudgetScope>(initial?.scope ?? 'user');
  const [scopeId, setScopeId] = useState(initial?.scope_id ?? '');
  const [period, setPeriod] = useState<BudgetPeriod>(initial?.period ?? 'month');
  const [timeZone, setTimeZone] = useState(initial?.time_zone ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [limits, setLimits] = useState<Record<BudgetMetric, string>>(() => ({
    requests: limitText('requests', initial?.limits.requests),
    tokens: limitText('tokens', initial?.limits.tokens),
    spend_micro_usd: limitText('spend_micro_usd', initial?.limits.spend_micro_usd),
  }));
  const [thresholds, setThresholds] = useState((initial?.thresholds ?? [80, 90]).join(', '));
  const [action, setAction] = useState<BudgetAction>(initial?.action ?? 'block');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const editing = initial !== undefined;

  async function submit(event: FormEvent) {
    event.preventDefault();
    const input: BudgetInput = {
      scope,
      ...(scope !== 'user' ? { scope_id: scopeId } : {}),
      period,
      time_zone: timeZone.trim(),
      limits: Object.fromEntries(BUDGET_METRICS.filter((m) => limits[m].trim() !== '').map((m) => [m, limitValue(m, limits[m])])),
      thresholds: thresholds.trim() === '' ? [] : thresholds.split(',').map(parsedNumber),
      action,
    };
    setBusy(true);
    setErrors(NO_ERRORS);
    try {
      await onSubmit(input);
    } catch (error) {
      setErrors(formErrorsOf(error));
      setBusy(false);
    }
  }

  const scopeChoices = scope === 'provider' ? providers : scope === 'key' ? keys : null;
  return (
    <form className="budget-form" onSubmit={submit} noValidate>
      <Field label="Counts" error={errors.fields.scope}>
        {(id, invalid) => (
          <select id={id} value={scope} disabled={editing} aria-invalid={invalid} onChange={(e) => setScope(e.target.value as BudgetScope)}>
            {SCOPES.map((s) => (
              <option key={s} value={s}>
                {SCOPE_LABELS[s]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {scope !== 'user' ? (
        <Field label={scope === 'org_member' ? 'Organization id / member user id' : scope === 'org' ? 'Organization id' : SCOPE_LABELS[scope]} error={errors.fields.scope_id}>
          {(id, invalid) =>
            scopeChoices ? (
              <select id={id} value={scopeId} disabled={editing} aria-invalid={invalid} onChange={(e) => setScopeId(e.target.value)}>
                <option value="">Choose…</option>
                {scopeChoices.map((choice) => (
                  <option key={choice.id} value={choice.id}>
                    {choice.name}
                  </option>
                ))}
              </select>
            ) : (
              <input id={id} value={scopeId} disabled={editing} aria-invalid={invalid} maxLength={300} onChange={(e) => setScopeId(e.target.value)} />
            )
          }
        </Field>
      ) : null}
      <Field label="Period" error={errors.fields.period}>
        {(id, invalid) => (
          <select id={id} value={period} aria-invalid={invalid} onChange={(e) => setPeriod(e.target.value as BudgetPeriod)}>
            {PERIODS.map((p) => (
              <option key={p} value={p}>
                {PERIOD_LABELS[p]}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Time zone" hint="The period starts at midnight here (IANA name, such as Europe/Berlin)." error={errors.fields.time_zone}>
        {(id, invalid) => <input id={id} value={timeZone} aria-invalid={invalid} maxLength={64} onChange={(e) => setTimeZone(e.target.value)} />}
      </Field>
      <fieldset>
        <legend>Limits (at least one; leave the others empty)</legend>
        {errors.fields.limits ? (
          <p className="field-error" role="alert">
            {errors.fields.limits}
          </p>
        ) : null}
        {BUDGET_METRICS.map((metric) => (
          <Field key={metric} label={metric === 'spend_micro_usd' ? 'Spend (USD)' : METRIC_LABELS[metric]} error={errors.fields[`limits/${metric}` as BudgetField]}>
            {(id, invalid) => (
              <input id={id} inputMode="decimal" value={limits[metric]} aria-invalid={invalid} onChange={(e) => setLimits((current) => ({ ...current, [metric]: e.target.value }))} />
            )}
          </Field>
        ))}
      </fieldset>
      <Field label="Warn at (percent, comma-separated)" error={errors.fields.thresholds}>
        {(id, invalid) => <input id={id} value={thresholds} aria-invalid={invalid} onChange={(e) => setThresholds(e.target.value)} />}
      </Field>
      <Field label="When exhausted" error={errors.fields.action}>
        {(id, invalid) => (
          <select id={id} value={action} aria-invalid={invalid} onChange={(e) => setAction(e.target.value as BudgetAction)}>
            {(Object.keys(ACTION_LABELS) as BudgetAction[])
              .filter((a) => a !== 'disable_key' || scope === 'key' || action === 'disable_key')
              .map((a) => (
                <option key={a} value={a}>
                  {ACTION_LABELS[a]}
                </option>
              ))}
          </select>
        )}
      </Field>
      {errors.form ? (
        <p className="notice notice-error" role="alert" data-testid="budget-form-error">
          {errors.form}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Saving…' : editing ? 'Save changes' : 'Create budget'}
        </button>
      </div>
    </form>
  );
}

/** A labelled control with its hint and the API's message for it, tied together for screen readers. */
function Field({ label, hint, error, children }: { label: string; hint?: string; error: string | undefined; children: (id: string, invalid: boolean) => ReactNode }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children(id, error !== undefined)}
      {hint ? <p className="muted small">{hint}</p> : null}
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

import { type FormEvent, useId, useState } from 'react';
import { messageOf } from '../api/http.js';
import { formatDateTime } from '../ui/format.js';

interface ExpiryEditorProps {
  /** When the key stops working at the provider (ISO), or null when not set. */
  expiresAt: string | null;
  /** The key's name as its card shows it, for the labels of controls repeated per key. */
  keyName: string;
  /** Saves the expiry (null clears it); a rejection's message is shown beside the field. */
  onSave: (expiresAt: string | null) => Promise<void>;
}

/** The start of `day` (YYYY-MM-DD) in the reader's time zone, as the API wants it; null for a day no date holds (a year past 9999). */
function startOfDay(day: string): string | null {
  const start = new Date(`${day}T00:00:00`);
  return Number.isNaN(start.getTime()) ? null : start.toISOString();
}

/**
 * When a key stops working at the provider, so the owner is reminded 14, 7 and 1 days before
 * (`key_expiring`). A day in the reader's time zone; the API refuses a day already begun.
 */
export function ExpiryEditor({ expiresAt, keyName, onSave }: ExpiryEditorProps) {
  const [day, setDay] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ids = { input: useId(), error: useId() };

  async function save(value: string | null) {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await onSave(value);
      setDay('');
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    if (day === '') {
      setError('Pick the day the key stops working.');
      return;
    }
    const start = startOfDay(day);
    if (start === null) {
      setError('Pick a real day, before the year 10000.');
      return;
    }
    void save(start);
  }

  return (
    <details className="key-expiry">
      <summary>
        Expires: <span data-testid="expiry-summary">{expiresAt ? formatDateTime(expiresAt) : 'not set'}</span>
      </summary>
      <form className="input-row" onSubmit={submit} noValidate>
        <label htmlFor={ids.input} className="sr-only">
          Day {keyName} expires
        </label>
        <input
          id={ids.input}
          type="date"
          value={day}
          aria-invalid={error !== null}
          aria-describedby={ids.error}
          onChange={(event) => {
            setDay(event.target.value);
            setError(null);
          }}
        />
        <button type="submit" className="button" aria-busy={busy}>
          Set<span className="sr-only"> expiry of {keyName}</span>
        </button>
        {expiresAt ? (
          <button type="button" className="button button-quiet" onClick={() => void save(null)}>
            Clear<span className="sr-only"> expiry of {keyName}</span>
          </button>
        ) : null}
      </form>
      <p id={ids.error} className="feedback feedback-blocked" role="alert" data-testid="expiry-error">
        {error ?? ''}
      </p>
    </details>
  );
}

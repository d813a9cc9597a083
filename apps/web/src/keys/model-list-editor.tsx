import { type FormEvent, useId, useRef, useState } from 'react';
import { messageOf } from '../api/http.js';

interface ModelListEditorProps {
  /** The key's allow-list; null means it may serve any model. */
  models: string[] | null;
  /** The key's name as its card shows it, for the labels of controls repeated per key. */
  keyName: string;
  /** Saves the new list (null for any model); a rejection's message is shown beside the field. */
  onSave: (models: string[] | null) => Promise<void>;
}

/**
 * A key's model allow-list: names or `*` globs (`gpt-4o*`), each change saved at once so the
 * API's 400 speaks about the entry just typed. Removing the last entry lets the key serve any
 * model again, and the summary says so.
 */
export function ModelListEditor({ models, keyName, onSave }: ModelListEditorProps) {
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const ids = { input: useId(), error: useId() };
  const list = models ?? [];

  async function save(next: string[]): Promise<boolean> {
    setBusy(true);
    setError(null);
    try {
      await onSave(next.length > 0 ? next : null);
      return true;
    } catch (err) {
      setError(messageOf(err));
      return false;
    } finally {
      setBusy(false);
    }
  }

  async function add(event: FormEvent) {
    event.preventDefault();
    const entry = draft.trim();
    if (busy) return;
    if (entry === '') {
      setError('Type a model name, such as gpt-4o-mini, or a glob such as gpt-4o*.');
      input.current?.focus();
      return;
    }
    if (list.includes(entry)) {
      setError(`${entry} is already in the list.`);
      input.current?.focus();
      return;
    }
    if (await save([...list, entry])) setDraft('');
    input.current?.focus();
  }

  async function remove(entry: string) {
    if (busy) return;
    await save(list.filter((m) => m !== entry));
    // The pressed button is gone with its entry; the field is the next useful place.
    input.current?.focus();
  }

  return (
    <details className="model-list">
      <summary>
        Models: <span data-testid="model-summary">{models ? `only ${plural(list.length)}` : 'any model'}</span>
      </summary>
      {models ? (
        <ul className="chips" aria-label={`Models ${keyName} may serve`}>
          {list.map((entry) => (
            <li key={entry} className="chip">
              <code>{entry}</code>
              <button type="button" className="icon-button" aria-label={`Remove ${entry} from ${keyName}`} onClick={() => void remove(entry)}>
                ×
              </button>
            </li>
          ))}
        </ul>
      ) : (
        <p className="muted small">This key serves any model. Add names or globs to limit it.</p>
      )}
      <form className="input-row" onSubmit={add} noValidate>
        <label htmlFor={ids.input} className="sr-only">
          Model or glob for {keyName}
        </label>
        <input
          ref={input}
          id={ids.input}
          value={draft}
          placeholder="gpt-4o* or o3-mini"
          autoComplete="off"
          spellCheck={false}
          autoCapitalize="off"
          aria-invalid={error !== null}
          aria-describedby={ids.error}
          onChange={(event) => {
            setDraft(event.target.value);
            setError(null);
          }}
        />
        <button type="submit" className="button" aria-busy={busy}>
          Add<span className="sr-only"> model to {keyName}</span>
        </button>
      </form>
      <p id={ids.error} className="feedback feedback-blocked" role="alert" data-testid="model-error">
        {error ?? ''}
      </p>
    </details>
  );
}

function plural(count: number): string {
  return count === 1 ? '1 entry' : `${count} entries`;
}

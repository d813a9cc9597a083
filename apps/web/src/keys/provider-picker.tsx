import { type FormEvent, useState } from 'react';
import type { KeyView, ProviderInfo } from '../api/types.js';

interface ProviderPickerProps {
  providers: ProviderInfo[];
  keys: readonly KeyView[];
  onChoose: (provider: ProviderInfo) => void;
}

/** Step one of adding a key: which provider it is for (recommended first). */
export function ProviderPicker({ providers, keys, onChoose }: ProviderPickerProps) {
  const ordered = [...providers].sort((a, b) => Number(b.recommended) - Number(a.recommended));
  const hasKeys = (id: string) => keys.some((k) => k.provider === id);
  const [chosen, setChosen] = useState<string>(ordered.find((p) => !hasKeys(p.id))?.id ?? ordered[0]?.id ?? '');

  function submit(event: FormEvent) {
    event.preventDefault();
    const provider = providers.find((p) => p.id === chosen);
    if (provider) onChoose(provider);
  }

  return (
    <form onSubmit={submit}>
      <fieldset className="provider-options">
        <legend>Choose the provider</legend>
        {ordered.map((p) => (
          <label key={p.id} className={`provider-option ${chosen === p.id ? 'selected' : ''}`}>
            <input type="radio" name="provider" value={p.id} checked={chosen === p.id} onChange={() => setChosen(p.id)} {...(chosen === p.id ? { 'data-autofocus': true } : {})} />
            <span className="provider-option-text">
              <span className="provider-option-name">
                {p.name}
                {p.recommended ? <span className="badge badge-recommended">Recommended</span> : null}
                {hasKeys(p.id) ? <span className="muted small"> (has a key: this adds another, with its own label)</span> : null}
              </span>
              <span className="muted small">{p.recommended ? 'One key reaches hundreds of models across providers.' : p.description}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div className="actions">
        <button type="submit" className="button button-primary">
          Continue
        </button>
      </div>
    </form>
  );
}

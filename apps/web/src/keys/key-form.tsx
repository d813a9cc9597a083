import { type FormEvent, useId, useRef, useState } from 'react';
import { messageOf } from '../api/http.js';
import type { ProviderInfo } from '../api/types.js';
import { article, checkKeyInput } from './key-format.js';
import { LABEL_MAX_LENGTH, labelProblem } from './key-pool.js';

interface KeyFormProps {
  provider: ProviderInfo;
  /** Saves the trimmed key (and label, when asked for); a rejection's message is shown in the form. */
  onSave: (apiKey: string, allowUnrecognizedFormat: boolean, testFirst: boolean, label?: string) => Promise<void>;
  onBack?: () => void;
  /**
   * A key exists already: offer "Test before replacing", on by default, so a wrong key cannot
   * overwrite a working one.
   */
  replacing?: boolean;
  /** Another key for a provider that has keys: ask for its label, which must differ from these. */
  askLabel?: { taken: readonly string[] };
}

/**
 * Step two of adding a key: paste it, see the expected format and where to get one, and get a
 * soft format check while typing. A key in an unrecognised format can still be saved after an
 * explicit "save anyway".
 */
export function KeyForm({ provider, onSave, onBack, replacing = false, askLabel }: KeyFormProps) {
  const [value, setValue] = useState('');
  const [label, setLabel] = useState('');
  const [testFirst, setTestFirst] = useState(true);
  const [shown, setShown] = useState(false);
  const [override, setOverride] = useState(false);
  const [attempted, setAttempted] = useState(false);
  const [saving, setSaving] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const labelInput = useRef<HTMLInputElement>(null);
  const ids = { input: useId(), hint: useId(), feedback: useId(), override: useId(), testFirst: useId(), label: useId(), labelFeedback: useId() };
  const testsFirst = replacing && testFirst;
  const submitLabel = testsFirst ? 'Test and replace' : replacing ? 'Replace and test' : 'Save and test';

  const { key, check } = checkKeyInput(value, provider);
  // "Empty" is only worth saying once the user tried to save; the format check speaks as they type.
  const feedback = check.state === 'ok' || (check.state === 'empty' && !attempted) ? null : check;
  const blocking = check.state === 'empty' || check.state === 'blocked' || (check.state === 'mismatch' && !override);
  const labelError = askLabel && attempted ? labelProblem(label, askLabel.taken) : null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setAttempted(true);
    setServerError(null);
    if (askLabel && labelProblem(label, askLabel.taken)) {
      labelInput.current?.focus();
      return;
    }
    if (blocking) {
      input.current?.focus();
      return;
    }
    setSaving(true);
    try {
      const allow = check.state === 'mismatch' && override;
      await (askLabel ? onSave(key, allow, testsFirst, label.trim()) : onSave(key, allow, testsFirst));
    } catch (error) {
      setServerError(messageOf(error));
      setSaving(false);
    }
  }

  return (
    <form className="key-form" onSubmit={submit} noValidate>
      {askLabel ? (
        <div className="field">
          <label htmlFor={ids.label}>Label</label>
          <input
            ref={labelInput}
            id={ids.label}
            data-autofocus
            name="label"
            maxLength={LABEL_MAX_LENGTH}
            autoComplete="off"
            value={label}
            aria-describedby={ids.labelFeedback}
            aria-invalid={labelError !== null}
            onChange={(event) => {
              setLabel(event.target.value);
              setServerError(null);
            }}
          />
          <p id={ids.labelFeedback} className={`feedback ${labelError ? 'feedback-blocked' : 'muted'}`} aria-live="polite" data-testid="label-feedback">
            {labelError ?? 'Names this key among the other keys for the provider, such as “work” or “backup”.'}
          </p>
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={ids.input}>{provider.name} API key</label>
        <p id={ids.hint} className="muted small">
          Expected format: {provider.key_format.hint}.{' '}
          <a href={provider.signup_url} target="_blank" rel="noreferrer noopener">
            Get {article(provider.name)} {provider.name} key
          </a>
          {' · '}
          <a href={provider.docs_url} target="_blank" rel="noreferrer noopener">
            Docs
          </a>
        </p>
        <div className="input-row">
          <input
            ref={input}
            id={ids.input}
            {...(askLabel ? {} : { 'data-autofocus': true })}
            name="api_key"
            type={shown ? 'text' : 'password'}
            autoComplete="off"
            spellCheck={false}
            autoCapitalize="off"
            {...(provider.key_format.example.length > 2 ? { placeholder: provider.key_format.example } : {})}
            value={value}
            aria-describedby={`${ids.hint} ${ids.feedback}`}
            aria-invalid={feedback !== null && blocking}
            onChange={(event) => {
              setValue(event.target.value);
              setServerError(null);
            }}
          />
          <button type="button" className="button button-quiet" aria-pressed={shown} onClick={() => setShown((s) => !s)}>
            {shown ? 'Hide' : 'Show'}
          </button>
        </div>
        <p id={ids.feedback} className={`feedback ${feedback ? `feedback-${feedback.state}` : ''}`} aria-live="polite" data-testid="key-feedback">
          {feedback?.message ?? (check.state === 'ok' ? check.message : '')}
        </p>
        {check.state === 'mismatch' ? (
          <div className="checkbox">
            <input id={ids.override} type="checkbox" checked={override} onChange={(event) => setOverride(event.target.checked)} />
            <label htmlFor={ids.override}>Save anyway: providers sometimes change their key format</label>
          </div>
        ) : null}
      </div>
      {replacing ? (
        <div className="checkbox">
          <input id={ids.testFirst} type="checkbox" checked={testFirst} onChange={(event) => setTestFirst(event.target.checked)} />
          <label htmlFor={ids.testFirst}>Test before replacing: the current key stays until the new one passes</label>
        </div>
      ) : null}
      {serverError ? (
        <p className="notice notice-error" role="alert">
          {serverError}
        </p>
      ) : null}
      <div className="actions">
        {onBack ? (
          <button type="button" className="button button-quiet" onClick={onBack} disabled={saving}>
            Back
          </button>
        ) : null}
        <button type="submit" className="button button-primary" disabled={saving} aria-disabled={blocking}>
          {saving ? (testsFirst ? 'Testing…' : 'Saving…') : submitLabel}
        </button>
      </div>
    </form>
  );
}

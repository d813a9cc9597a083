import type { KeyView } from '../api/types.js';
import { describeResult } from './key-status.js';

/** Step three: the saved key's test result, announced as it arrives; `whose` is "your" or "Acme’s". */
export function KeyResult({ keyView, whose, onDone, onRetry }: { keyView: KeyView; whose: string; onDone: () => void; onRetry: () => void }) {
  const testing = keyView.status === 'testing';
  const tone = testing ? 'info' : keyView.status === 'valid' ? 'success' : 'error';
  return (
    <div className="key-result">
      <p className={`result result-${tone}`} role="status" aria-live="polite" data-testid="key-result">
        {testing ? (
          <>
            <span className="spinner" aria-hidden="true" />
            Saved. Testing {whose} key with {keyView.provider_name}…
          </>
        ) : (
          describeResult(keyView)
        )}
      </p>
      <p className="muted small">
        Stored encrypted as <code className="masked">{keyView.masked_key}</code>. The full key is never shown again.
      </p>
      <div className="actions">
        {!testing && keyView.status !== 'valid' ? (
          <button type="button" className="button" onClick={onRetry}>
            Paste a different key
          </button>
        ) : null}
        <button type="button" className="button button-primary" onClick={onDone} data-autofocus>
          Done
        </button>
      </div>
    </div>
  );
}

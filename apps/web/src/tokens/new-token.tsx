import type { CreatedGatewayToken } from '../api/types.js';
import { useToast } from '../ui/toasts.js';

/** The token right after creation: the only time it is shown, with a copy button. `actsFor`: the org's name for an org token. */
export function NewToken({ created, actsFor, onDismiss }: { created: CreatedGatewayToken; actsFor: string | null; onDismiss: () => void }) {
  const notify = useToast();
  async function copy() {
    try {
      await navigator.clipboard.writeText(created.token);
      notify('success', 'Token copied to the clipboard.');
    } catch {
      notify('error', 'Could not copy (the browser refused). Select the token and copy it by hand.');
    }
  }
  return (
    <div className="notice notice-success new-token" role="status">
      <p>
        <strong>
          Copy your new token “{created.name}”{actsFor ? ` for ${actsFor}` : ''} now.
        </strong>{' '}
        It is shown only this once; the server keeps only a hash of it.
      </p>
      <div className="input-row">
        <code className="token-value" data-testid="new-token">
          {created.token}
        </code>
        <button type="button" className="button" onClick={copy}>
          Copy
        </button>
      </div>
      <button type="button" className="button button-quiet" onClick={onDismiss}>
        I have stored it
      </button>
    </div>
  );
}

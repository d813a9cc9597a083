import { useState } from 'react';
import { messageOf } from '../api/http.js';
import type { KeyView } from '../api/types.js';
import { Dialog } from '../ui/dialog.js';

/** Deleting is final (the encrypted key is removed), so it asks first. */
interface DeleteKeyDialogProps {
  keyView: KeyView;
  /** The owner's possessive: "your", or "Acme’s". */
  whose: string;
  /** The key's name as its card shows it ("OpenAI key", or "OpenAI key “work”" among others). */
  name: string;
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

export function DeleteKeyDialog({ keyView, whose, name, onConfirm, onClose }: DeleteKeyDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <Dialog
      title={`Delete ${whose} ${name}?`}
      onClose={onClose}
      description={`The key ${keyView.masked_key} is removed for good. Requests for ${keyView.provider_name} models then use another of ${whose} keys or, if ${whose} settings allow it, the platform key with credits.`}
    >
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      <div className="actions">
        <button type="button" className="button" onClick={onClose} disabled={busy} data-autofocus>
          Cancel
        </button>
        <button type="button" className="button button-danger" onClick={confirm} disabled={busy}>
          {busy ? 'Deleting…' : 'Delete key'}
        </button>
      </div>
    </Dialog>
  );
}

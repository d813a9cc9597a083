import { useState } from 'react';
import { messageOf } from '../api/http.js';
import { Dialog } from './dialog.js';

interface ConfirmDialogProps {
  title: string;
  description: string;
  /** The confirming button's text, and while it runs (`Delete budget`, `Deleting…`). */
  confirmLabel: string;
  busyLabel: string;
  /** Runs the action; a failure is shown in the dialog, which stays open. */
  onConfirm: () => Promise<void>;
  onClose: () => void;
}

/** Asks before a destructive action; Cancel has the focus, so Enter does not destroy anything. */
export function ConfirmDialog({ title, description, confirmLabel, busyLabel, onConfirm, onClose }: ConfirmDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function confirm() {
    setBusy(true);
    try {
      await onConfirm();
      onClose();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }
  return (
    <Dialog title={title} onClose={onClose} description={description}>
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
          {busy ? busyLabel : confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

import type { KeyView } from '../api/types.js';
import { ConfirmDialog } from '../ui/confirm-dialog.js';

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
  return (
    <ConfirmDialog
      title={`Delete ${whose} ${name}?`}
      description={`The key ${keyView.masked_key} is removed for good. Requests for ${keyView.provider_name} models then use another of ${whose} keys or, if ${whose} settings allow it, the platform key with credits.`}
      confirmLabel="Delete key"
      busyLabel="Deleting…"
      onConfirm={onConfirm}
      onClose={onClose}
    />
  );
}

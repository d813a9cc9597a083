import { useState } from 'react';
import { messageOf } from '../api/http.js';
import { navigate } from '../app/router.js';
import { Dialog } from '../ui/dialog.js';
import { useToast } from '../ui/toasts.js';
import { ORGS_PATH, rememberOrg } from './org-paths.js';
import type { OrgView } from './org-types.js';
import { useOrgs } from './orgs-context.js';

/** Owners only: deleting the org removes its keys, memberships and tokens; its audit trail stays. */
export function DeleteOrg({ org }: { org: OrgView }) {
  const { api, reload } = useOrgs();
  const notify = useToast();
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    setBusy(true);
    setError(null);
    try {
      await api.remove(org.id);
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
      return;
    }
    rememberOrg(null);
    navigate(ORGS_PATH);
    notify('success', `Deleted ${org.name}.`);
    await reload();
  }

  return (
    <section className="card danger-zone" aria-labelledby="delete-org-title">
      <h2 id="delete-org-title">Delete the organization</h2>
      <p className="muted small">Its keys, memberships and gateway tokens are deleted for good; its audit trail is kept.</p>
      <button type="button" className="button button-danger" onClick={() => setOpen(true)}>
        Delete {org.name}
      </button>
      {open ? (
        <Dialog title={`Delete ${org.name}?`} onClose={() => setOpen(false)} description="Members lose its keys at once. This cannot be undone.">
          {error ? (
            <p className="notice notice-error" role="alert">
              {error}
            </p>
          ) : null}
          <div className="actions">
            <button type="button" className="button" onClick={() => setOpen(false)} disabled={busy} data-autofocus>
              Cancel
            </button>
            <button type="button" className="button button-danger" onClick={confirm} disabled={busy}>
              {busy ? 'Deleting…' : 'Delete organization'}
            </button>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}

import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import { messageOf } from '../api/http.js';
import type { CreatedGatewayToken, GatewayToken } from '../api/types.js';
import { useApp } from '../app/app-context.js';
import { useDocumentTitle } from '../app/router.js';
import { useOrgs } from '../orgs/orgs-context.js';
import { ConfirmDialog } from '../ui/confirm-dialog.js';
import { EmptyState, ErrorNotice, Loading } from '../ui/feedback.js';
import { useToast } from '../ui/toasts.js';
import { ClientSnippet } from './client-snippet.js';
import { NewToken } from './new-token.js';
import { tokenActsFor } from './token-org.js';
import { TokenTable } from './token-table.js';

/** Gateway tokens for OpenAI-compatible clients: create (shown once; personal or for an org), list, revoke. */
export function TokensPage() {
  useDocumentTitle('Gateway tokens');
  const { api } = useApp();
  const { orgs } = useOrgs();
  const notify = useToast();
  const [tokens, setTokens] = useState<GatewayToken[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedGatewayToken | null>(null);
  const [revoking, setRevoking] = useState<GatewayToken | null>(null);
  // The org the token just created acts for, by name; null for a personal one.
  const createdFor = created?.org_id ? tokenActsFor(created, orgs).label : null;

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      setTokens(await api.tokens());
    } catch (error) {
      setLoadError(messageOf(error));
    }
  }, [api]);
  useEffect(() => {
    void load();
  }, [load]);

  async function revoke(token: GatewayToken) {
    await api.revokeToken(token.id);
    notify('success', `Token “${token.name}” revoked. Clients using it stop working now.`);
    await load();
  }

  return (
    <section aria-labelledby="tokens-title">
      <div className="page-head">
        <div>
          <h1 id="tokens-title">Gateway tokens</h1>
          <p className="muted">
            A gateway token lets an OpenAI-compatible client use your keys through this gateway, or an organization’s when it is created for one. Create one per tool, so
            you can revoke one alone.
          </p>
        </div>
      </div>
      <CreateTokenForm
        onCreated={(token) => {
          setCreated(token);
          void load();
        }}
      />
      {created ? <NewToken created={created} actsFor={createdFor} onDismiss={() => setCreated(null)} /> : null}
      {loadError ? <ErrorNotice message={loadError} onRetry={() => void load()} /> : null}
      {!tokens && !loadError ? <Loading label="Loading your tokens…" /> : null}
      {tokens && tokens.length === 0 ? (
        <EmptyState title="No tokens yet">
          <p>Create a token above, then paste it into your client as its API key.</p>
        </EmptyState>
      ) : null}
      {tokens && tokens.length > 0 ? <TokenTable tokens={tokens} orgs={orgs} onRevoke={setRevoking} /> : null}
      <ClientSnippet token={created?.token ?? null} orgName={createdFor} />
      {revoking ? <RevokeDialog token={revoking} onConfirm={() => revoke(revoking)} onClose={() => setRevoking(null)} /> : null}
    </section>
  );
}

/** The "Acts for" value of a personal token: no `org_id` is sent. */
const PERSONAL = '';

/** Name and whom the token acts for. A refusal (404 for an org you are not in, 409 at the token limit) is shown here, and what was typed and chosen stays. */
function CreateTokenForm({ onCreated }: { onCreated: (token: CreatedGatewayToken) => void }) {
  const { api } = useApp();
  const { orgs } = useOrgs();
  const [name, setName] = useState('');
  const [orgId, setOrgId] = useState(PERSONAL);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (name.trim() === '') {
      setError('Give the token a name, such as the tool that will use it.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onCreated(await api.createToken(name.trim(), orgId === PERSONAL ? null : orgId));
      setName('');
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card inline-form" onSubmit={submit} noValidate aria-describedby={error ? `${id}-error` : undefined}>
      <div className="field">
        <label htmlFor={`${id}-name`}>Token name</label>
        <input
          id={`${id}-name`}
          value={name}
          maxLength={100}
          placeholder="Open WebUI on my laptop"
          onChange={(e) => setName(e.target.value)}
          aria-invalid={error !== null}
        />
      </div>
      {/* Without organizations every token is personal: no choice to offer. */}
      {orgs?.length || orgId !== PERSONAL ? (
        <div className="field field-fit">
          <label htmlFor={`${id}-org`}>Acts for</label>
          <select id={`${id}-org`} value={orgId} onChange={(e) => setOrgId(e.target.value)}>
            <option value={PERSONAL}>You (personal)</option>
            {orgs?.map((org) => (
              <option key={org.id} value={org.id}>
                {org.name}
              </option>
            ))}
            {/* The list was read again without the org chosen (you left it meanwhile): the choice stays, and the server says why it fails. */}
            {orgId !== PERSONAL && !orgs?.some((o) => o.id === orgId) ? <option value={orgId}>An organization you are no longer in</option> : null}
          </select>
        </div>
      ) : null}
      <button type="submit" className="button button-primary" disabled={busy}>
        {busy ? 'Creating…' : 'Create token'}
      </button>
      {error ? (
        <p className="notice notice-error" role="alert" id={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </form>
  );
}

function RevokeDialog({ token, onConfirm, onClose }: { token: GatewayToken; onConfirm: () => Promise<void>; onClose: () => void }) {
  return (
    <ConfirmDialog
      title={`Revoke “${token.name}”?`}
      description="Clients using this token get 401 from now on. This cannot be undone."
      confirmLabel="Revoke token"
      busyLabel="Revoking…"
      onConfirm={onConfirm}
      onClose={onClose}
    />
  );
}

import type { GatewayToken } from '../api/types.js';
import type { OrgView } from '../orgs/org-types.js';
import { formatDateTime, formatRelative } from '../ui/format.js';
import { tokenActsFor } from './token-org.js';

interface TokenTableProps {
  tokens: GatewayToken[];
  /** Your organizations, to name each org token's; null while unknown. */
  orgs: readonly OrgView[] | null;
  onRevoke: (token: GatewayToken) => void;
}

/** Your tokens, newest first, with whom each acts for; revoked ones stay listed (greyed) so the history is visible. */
export function TokenTable({ tokens, orgs, onRevoke }: TokenTableProps) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">Your gateway tokens</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Acts for</th>
            <th scope="col">Token</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col">
              <span className="sr-only">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {tokens.map((t) => (
            <tr key={t.id} className={t.revoked_at ? 'revoked' : ''} data-testid="token-row">
              <th scope="row">{t.name}</th>
              <td data-testid="token-acts-for">
                <ActsFor token={t} orgs={orgs} />
              </td>
              <td>
                <code>{t.prefix}…</code>
              </td>
              <td>
                <time dateTime={t.created_at}>{formatDateTime(t.created_at)}</time>
              </td>
              <td>{t.last_used_at ? formatRelative(t.last_used_at) : 'Never'}</td>
              <td>
                {t.revoked_at ? (
                  <span className="muted">Revoked</span>
                ) : (
                  <button type="button" className="button button-danger" onClick={() => onRevoke(t)}>
                    Revoke<span className="sr-only"> {t.name}</span>
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ActsFor({ token, orgs }: { token: GatewayToken; orgs: readonly OrgView[] | null }) {
  const { label, stale } = tokenActsFor(token, orgs);
  if (!stale || token.revoked_at) return label;
  return (
    <>
      {label}
      <span className="muted small token-note">Its requests get 404 while you are not a member.</span>
    </>
  );
}

import type { GatewayToken } from '../api/types.js';
import { formatDateTime, formatRelative } from '../ui/format.js';

/** Your tokens, newest first; revoked ones stay listed (greyed) so the history is visible. */
export function TokenTable({ tokens, onRevoke }: { tokens: GatewayToken[]; onRevoke: (token: GatewayToken) => void }) {
  return (
    <div className="table-wrap">
      <table>
        <caption className="sr-only">Your gateway tokens</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
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

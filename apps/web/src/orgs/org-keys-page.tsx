import { useCallback, useEffect, useMemo, useState } from 'react';
import { messageOf } from '../api/http.js';
import { providerName } from '../api/provider-names.js';
import type { KeyStatus } from '../api/types.js';
import { Link, useDocumentTitle } from '../app/router.js';
import { KeyPoolPage } from '../keys/keys-page.js';
import { EmptyState, ErrorNotice, Loading } from '../ui/feedback.js';
import { orgPath } from './org-paths.js';
import { MEMBER_KEYS_POLICIES } from './org-roles.js';
import type { OrgKeySummary, OrgView } from './org-types.js';
import { useOrgs } from './orgs-context.js';

function policyLine(org: OrgView): string {
  return MEMBER_KEYS_POLICIES.find((p) => p.value === org.member_keys)?.explanation ?? '';
}

/** Owners and admins: the org's keys, managed with the same cards and dialogs as your own. */
export function OrgKeysPage({ org }: { org: OrgView }) {
  const { api } = useOrgs();
  const keys = useMemo(() => api.keys(org.id), [api, org.id]);
  return (
    <KeyPoolPage
      api={keys}
      whose={`${org.name}’s`}
      title={`${org.name}’s keys`}
      intro={
        <>
          Members acting for {org.name} use these keys. {policyLine(org)} <Link href={orgPath(org.id, 'settings')}>Change the policy</Link>
        </>
      }
    />
  );
}

const SUMMARY_STATUS: Readonly<Record<KeyStatus | 'disabled', string>> = {
  valid: 'Connected',
  invalid: 'Invalid',
  error: 'Error',
  testing: 'Testing…',
  untested: 'Not tested yet',
  disabled: 'Disabled',
};

/** A provider's status in words; a status this page does not know yet is shown as the API spells it. */
function statusWords(status: string): string {
  return Object.hasOwn(SUMMARY_STATUS, status) ? SUMMARY_STATUS[status as KeyStatus | 'disabled'] : status.replaceAll('_', ' ');
}

/** Plain members: which providers the org has keys for and whether they work; never a key hint or label. */
export function OrgKeySummaryPage({ org }: { org: OrgView }) {
  useDocumentTitle(`${org.name}’s keys`);
  const { api } = useOrgs();
  const [providers, setProviders] = useState<OrgKeySummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async () => {
    setError(null);
    try {
      setProviders(await api.keySummary(org.id));
    } catch (err) {
      setError(messageOf(err));
    }
  }, [api, org.id]);

  useEffect(() => {
    void load();
  }, [load]);

  return (
    <section aria-labelledby="org-keys-title">
      <h1 id="org-keys-title">{org.name}’s keys</h1>
      <p className="muted">
        Requests you make for {org.name} can use these keys. {policyLine(org)} Owners and admins manage them.
      </p>
      {error ? <ErrorNotice message={error} onRetry={() => void load()} /> : null}
      {!providers && !error ? <Loading label="Loading the organization’s keys…" /> : null}
      {providers?.length === 0 ? (
        <EmptyState title="No keys yet">
          <p>The organization has no keys yet; ask an owner or admin to add one.</p>
        </EmptyState>
      ) : null}
      {providers && providers.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption>Providers with organization keys</caption>
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col" className="num">
                  Keys
                </th>
                <th scope="col" className="num">
                  Enabled
                </th>
                <th scope="col">Status</th>
                <th scope="col">Usable now</th>
              </tr>
            </thead>
            <tbody>
              {providers.map((p) => (
                <tr key={p.provider}>
                  <th scope="row">{providerName(p.provider)}</th>
                  <td className="num">{p.keys}</td>
                  <td className="num">{p.enabled_keys}</td>
                  <td>{statusWords(p.status)}</td>
                  <td>{p.usable ? 'Yes' : 'No'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}

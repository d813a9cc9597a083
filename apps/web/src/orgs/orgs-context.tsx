import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import { messageOf } from '../api/http.js';
import { useApp } from '../app/app-context.js';
import type { OrgView } from './org-types.js';
import { type OrgsApi, orgsApi } from './orgs-api.js';

export interface OrgsContextValue {
  api: OrgsApi;
  /** The caller's organizations; null until the first answer. */
  orgs: OrgView[] | null;
  /** Why the list could not be read; the personal views work regardless. */
  error: string | null;
  reload: () => Promise<void>;
  /** Puts an org's newest state (after a rename or a settings change) into the list. */
  putOrg: (org: OrgView) => void;
}

const OrgsContext = createContext<OrgsContextValue | null>(null);

/** The caller's organizations, read once for the switcher and every org view, and re-read after a change of membership. */
export function OrgsProvider({ children }: { children: ReactNode }) {
  const { client } = useApp();
  const api = useMemo(() => orgsApi(client), [client]);
  const [orgs, setOrgs] = useState<OrgView[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      setOrgs(await api.list());
      setError(null);
    } catch (err) {
      setError(messageOf(err));
    }
  }, [api]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const putOrg = useCallback((org: OrgView) => setOrgs((list) => list?.map((o) => (o.id === org.id ? org : o)) ?? null), []);

  const value = useMemo(() => ({ api, orgs, error, reload, putOrg }), [api, orgs, error, reload, putOrg]);
  return <OrgsContext.Provider value={value}>{children}</OrgsContext.Provider>;
}

export function useOrgs(): OrgsContextValue {
  const value = useContext(OrgsContext);
  if (!value) throw new Error('useOrgs outside OrgsProvider');
  return value;
}

import { createContext, useContext } from 'react';
import type { ByokApi } from '../api/byok-api.js';
import type { ApiClient } from '../api/http.js';
import type { Session } from '../auth/session.js';

export interface AppContextValue {
  api: ByokApi;
  client: ApiClient;
  session: Session;
  signOut: (message?: string) => void;
}

export const AppContext = createContext<AppContextValue | null>(null);

/** The signed-in page's API and session; every view below the shell has one. */
export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside the signed-in shell');
  return value;
}

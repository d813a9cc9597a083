import { type AuditExportFormat, type AuditFilter, auditSearch } from './audit-query.js';
import type { ApiClient } from './http.js';
import type {
  AuditPage,
  ByokSettings,
  CreatedGatewayToken,
  CreditsView,
  GatewayToken,
  KeyPatch,
  KeyTestAnswer,
  KeyUsageReport,
  KeyView,
  ProviderInfo,
  UsageFilter,
  UsageGrouping,
  UserUsageReport,
} from './types.js';

const BYOK = '/api/v1/llm/byok';
const enc = encodeURIComponent;

export interface DayRange {
  from: string;
  to: string;
}

/**
 * The key routes under a base path: the user's own (`/api/v1/llm/byok`) or an organization's
 * (`/api/v1/orgs/{org}/byok`, which mirrors them). Providers are the same for every owner.
 */
export function keysApi(client: ApiClient, base: string) {
  return {
    providers: async () => (await client.get<{ providers: ProviderInfo[] }>(`${BYOK}/providers`)).providers,
    keys: async () => (await client.get<{ keys: KeyView[] }>(`${base}/keys`)).keys,
    key: (id: string) => client.get<KeyView>(`${base}/keys/by-id/${enc(id)}`),
    /**
     * Saves a key under its label (`default` when none is given): 201 for a new one, 200 when it
     * replaced the key of that label. With `testFirst` a replacement is tested before it is
     * stored: 2xx means it passed; a 4xx (its message says why) means the old key is kept.
     */
    saveKey: (body: { provider: string; api_key: string; label?: string; allow_unrecognized_format?: boolean }, options: { testFirst?: boolean } = {}) =>
      client.post<KeyView>(`${base}/keys${options.testFirst ? '?test_first=true' : ''}`, body),
    /** Label, priority, model list or enabled; a 400 or 409 carries the message to show. */
    updateKey: (id: string, patch: KeyPatch) => client.patch<KeyView>(`${base}/keys/by-id/${enc(id)}`, patch),
    deleteKey: (id: string) => client.del(`${base}/keys/by-id/${enc(id)}`),
    async testKey(id: string): Promise<KeyTestAnswer> {
      const { status, data } = await client.request<Record<string, unknown>>('POST', `${base}/keys/by-id/${enc(id)}/test`);
      if (status === 202) return { done: false, job_id: String(data.job_id ?? '') };
      return {
        done: true,
        success: data.success === true,
        status: String(data.status ?? ''),
        message: typeof data.message === 'string' ? data.message : null,
        models_count: typeof data.models_count === 'number' ? data.models_count : null,
      };
    },
  };
}

/** What the key views need: the same calls whoever owns the keys. */
export type KeysApi = ReturnType<typeof keysApi>;

/** The API's routes as typed calls; one place that knows the paths. */
export function byokApi(client: ApiClient) {
  return {
    ...keysApi(client, BYOK),
    settings: () => client.get<ByokSettings>(`${BYOK}/settings`),
    saveSettings: (settings: ByokSettings) => client.put<ByokSettings>(`${BYOK}/settings`, settings),

    tokens: async () => (await client.get<{ tokens: GatewayToken[] }>('/api/v1/llm/tokens')).tokens,
    /** With `orgId` the token always acts for that organization (the caller must be a member: 404 `org_not_found` otherwise). */
    createToken: (name: string, orgId: string | null = null) => client.post<CreatedGatewayToken>('/api/v1/llm/tokens', { name, ...(orgId === null ? {} : { org_id: orgId }) }),
    revokeToken: (id: string) => client.del(`/api/v1/llm/tokens/${enc(id)}`),

    usage: (groupBy: UsageGrouping, range: DayRange, filter: UsageFilter = {}) => {
      const narrow = `${filter.provider ? `&provider=${enc(filter.provider)}` : ''}${filter.model ? `&model=${enc(filter.model)}` : ''}`;
      return client.get<UserUsageReport>(`/api/v1/llm/usage?group_by=${groupBy}&from=${range.from}&to=${range.to}${narrow}`);
    },
    usageCsvPath: (groupBy: UsageGrouping, range: DayRange) => `/api/v1/llm/usage?group_by=${groupBy}&from=${range.from}&to=${range.to}&format=csv`,
    /**
     * Everything the user's keys for the provider paid for, all of them together, with the named
     * key's own figures in `key`; the route answers 404 unless a key of that label exists, so name one held.
     */
    keyUsage: (key: { provider: string; label: string }, range: DayRange) =>
      client.get<KeyUsageReport>(`${BYOK}/keys/${enc(key.provider)}/usage?label=${enc(key.label)}&from=${range.from}&to=${range.to}`),
    credits: () => client.get<CreditsView>('/api/v1/credits'),

    audit: (filter: AuditFilter, cursor: string | null) => client.get<AuditPage>(`/api/v1/audit?${auditSearch(filter, { cursor })}`),
    auditExportPath: (filter: AuditFilter, format: AuditExportFormat) => `/api/v1/audit?${auditSearch(filter, { format })}`,
  };
}

export type ByokApi = ReturnType<typeof byokApi>;

import { type AuditExportFormat, type AuditFilter, auditSearch } from '../api/audit-query.js';
import { type DayRange, keysApi } from '../api/byok-api.js';
import type { ApiClient } from '../api/http.js';
import type { AuditPage } from '../api/types.js';
import type { OrgKeySummary, OrgMember, OrgPatch, OrgRole, OrgUsageGrouping, OrgUsageReport, OrgView } from './org-types.js';

const ORGS = '/api/v1/orgs';
const enc = encodeURIComponent;

/**
 * The organization routes as typed calls: the one place that knows their paths and field names,
 * so a difference from the API is fixed here.
 */
export function orgsApi(client: ApiClient) {
  const org = (id: string) => `${ORGS}/${enc(id)}`;
  const range = (r: DayRange) => `from=${r.from}&to=${r.to}`;
  return {
    list: async () => (await client.get<{ orgs: OrgView[] }>(ORGS)).orgs,
    create: (name: string) => client.post<OrgView>(ORGS, { name }),
    update: (id: string, patch: OrgPatch) => client.patch<OrgView>(org(id), patch),
    /** Owners only; the org's keys, memberships and tokens go with it, its audit trail stays. */
    remove: (id: string) => client.del(org(id)),

    members: async (id: string) => (await client.get<{ members: OrgMember[] }>(`${org(id)}/members`)).members,
    addMember: (id: string, member: { user_id: string; role: OrgRole }) => client.post<OrgMember>(`${org(id)}/members`, member),
    changeRole: (id: string, userId: string, role: OrgRole) => client.patch<OrgMember>(`${org(id)}/members/${enc(userId)}`, { role }),
    /** Removes a member, or the caller leaving; the last owner gets 409 `last_owner`. */
    removeMember: (id: string, userId: string) => client.del(`${org(id)}/members/${enc(userId)}`),

    /** Owners and admins: the org's keys through the same calls as the user's own. */
    keys: (id: string) => keysApi(client, `${org(id)}/byok`),
    /** Plain members: which providers the org has keys for, and their status. */
    keySummary: async (id: string) => (await client.get<{ providers: OrgKeySummary[] }>(`${org(id)}/byok/keys`)).providers,

    usage: (id: string, groupBy: OrgUsageGrouping, r: DayRange) => client.get<OrgUsageReport>(`${org(id)}/usage?group_by=${groupBy}&${range(r)}`),
    usageCsvPath: (id: string, groupBy: OrgUsageGrouping, r: DayRange) => `${org(id)}/usage.csv?group_by=${groupBy}&${range(r)}`,

    /** Owners and admins: every change made for the org, with its actor; a member gets 403 `org_role_required`. */
    audit: (id: string, filter: AuditFilter, cursor: string | null) => client.get<AuditPage>(`${org(id)}/audit?${auditSearch(filter, { cursor })}`),
    auditExportPath: (id: string, filter: AuditFilter, format: AuditExportFormat) => `${org(id)}/audit?${auditSearch(filter, { format })}`,
  };
}

export type OrgsApi = ReturnType<typeof orgsApi>;

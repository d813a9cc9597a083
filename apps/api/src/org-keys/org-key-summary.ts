import { KEY_TEST_STATUSES, type KeyTestStatus, type ProviderKey } from '@byok/db';
import Type, { type Static } from 'typebox';

/** `disabled`: no key of the provider is enabled; otherwise the best test status among the enabled keys. */
export const ORG_PROVIDER_STATUSES = ['valid', 'testing', 'untested', 'error', 'invalid', 'disabled'] as const;

export const OrgProviderSummary = Type.Object({
  provider: Type.String(),
  keys: Type.Integer({ description: "How many keys the organization holds for the provider." }),
  enabled_keys: Type.Integer({ description: 'How many of them are enabled.' }),
  usable: Type.Boolean({ description: 'Whether routing can use one of them now: some key is enabled and not known to be invalid.' }),
  status: Type.Enum(ORG_PROVIDER_STATUSES, {
    description: "The best test status among the enabled keys (valid, then testing, untested, error, invalid); `disabled` when none is enabled.",
  }),
});
export type OrgProviderSummary = Static<typeof OrgProviderSummary>;

// Better first: what a member most wants to know is whether one key works.
const STATUS_RANK: readonly KeyTestStatus[] = ['valid', 'testing', 'untested', 'error', 'invalid'];

/**
 * Per provider, what a member may know of the organization's keys: how many, how many enabled,
 * and whether they work. Nothing about any one key — no hint, label, id or message.
 */
export function summarizeOrgKeys(keys: readonly ProviderKey[]): OrgProviderSummary[] {
  const byProvider = new Map<string, ProviderKey[]>();
  for (const key of keys) byProvider.set(key.provider, [...(byProvider.get(key.provider) ?? []), key]);
  return [...byProvider.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([provider, providerKeys]) => {
      const enabled = providerKeys.filter((key) => key.enabled);
      const statuses = new Set(enabled.map((key) => statusOf(key)));
      return {
        provider,
        keys: providerKeys.length,
        enabled_keys: enabled.length,
        usable: enabled.some((key) => statusOf(key) !== 'invalid'),
        status: STATUS_RANK.find((status) => statuses.has(status)) ?? 'disabled',
      };
    });
}

/** A stored status the schema does not know (a row from a later version) reads as untested rather than failing the listing. */
function statusOf(key: ProviderKey): KeyTestStatus {
  return (KEY_TEST_STATUSES as readonly string[]).includes(key.testStatus) ? (key.testStatus as KeyTestStatus) : 'untested';
}

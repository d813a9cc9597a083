import Type, { type Static } from 'typebox';
import { ORG_USAGE_GROUPINGS } from '@byok/db';
import { PROVIDER_IDS } from '@byok/providers';
import { DayRangeQuery, UsageMetrics } from './usage.schemas.js';

export const OrgUsageQuery = Type.Object(
  {
    ...DayRangeQuery,
    group_by: Type.Optional(Type.Enum(ORG_USAGE_GROUPINGS, { description: 'Dimension of the groups (`member`: the member\'s user id); defaults to member.' })),
    provider: Type.Optional(Type.Enum(PROVIDER_IDS, { description: "Only this provider's traffic." })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Only this model's traffic, by the name sent upstream." })),
  },
  { additionalProperties: false },
);
export type OrgUsageQuery = Static<typeof OrgUsageQuery>;

export const OrgUsageReport = Type.Object({
  org_id: Type.String({ format: 'uuid' }),
  scope: Type.Enum(['organization', 'member'], { description: '`organization`: every member\'s requests (owners and admins); `member`: only yours.' }),
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  group_by: Type.Enum(ORG_USAGE_GROUPINGS),
  provider: Type.Optional(Type.String({ description: 'The provider filter, when one was given.' })),
  model: Type.Optional(Type.String({ description: 'The model filter, when one was given.' })),
  groups: Type.Array(Type.Object({ key: Type.String({ description: "The member's user id, provider, model or day of the group." }), ...UsageMetrics.properties })),
  totals: UsageMetrics,
});
export type OrgUsageReport = Static<typeof OrgUsageReport>;

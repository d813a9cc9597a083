import Type, { type Static } from 'typebox';
import { PROVIDER_IDS } from '@byok/providers';
import { USAGE_GROUPINGS } from '@byok/db';
import { DEFAULT_RANGE_DAYS, MAX_RANGE_DAYS } from './usage-range.js';

const MONEY_NOTE = 'Decimal string with exactly six decimals; the `_micro` field holds the same amount as an exact integer of micro-units (1e-6).';

const Micro = (description: string) => Type.Integer({ description: `${description} In micro-units (1e-6), exact.` });
const Decimal = (description: string) => Type.String({ pattern: '^-?\\d+\\.\\d{6}$', description: `${description} ${MONEY_NOTE}`, examples: ['1.250000'] });

/** What every usage row reports. Credits and dollars are one to one (system traffic is charged at cost). */
export const UsageMetrics = Type.Object({
  calls: Type.Integer({ description: 'Requests proxied.' }),
  errors: Type.Integer({ description: 'Requests that ended in an error status.' }),
  prompt_tokens: Type.Integer({ description: 'Tokens in.' }),
  completion_tokens: Type.Integer({ description: 'Tokens out.' }),
  byok_calls: Type.Integer({ description: "Requests paid by one of the user's own keys (OpenRouter or provider)." }),
  cost_micro: Micro('Estimated provider cost in dollars.'),
  cost_usd: Decimal('Estimated provider cost in dollars.'),
  credits_charged_micro: Micro('Credits charged for system-key traffic.'),
  credits_charged: Decimal('Credits charged for system-key traffic.'),
  credits_saved_micro: Micro('Credits the BYOK traffic would have cost through the system key (its provider cost).'),
  credits_saved: Decimal('Credits the BYOK traffic would have cost through the system key (its provider cost).'),
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: 'Latest request in the rows summed.' }),
});
export type UsageMetrics = Static<typeof UsageMetrics>;

const dayDescription = (name: string, fallback: string) =>
  `${name} day (UTC, inclusive) as YYYY-MM-DD; defaults to ${fallback}. The range may span at most ${MAX_RANGE_DAYS} days.`;

/** `from`/`to` as whole UTC days. */
export const DayRangeQuery = {
  from: Type.Optional(Type.String({ format: 'date', description: dayDescription('First', `${DEFAULT_RANGE_DAYS - 1} days before \`to\``) })),
  to: Type.Optional(Type.String({ format: 'date', description: dayDescription('Last', 'today') })),
};

export const KeyUsageParams = Type.Object({
  provider: Type.String({ minLength: 1, maxLength: 50, description: `One of ${PROVIDER_IDS.join(', ')}.` }),
});
export const KeyUsageQuery = Type.Object(
  {
    ...DayRangeQuery,
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Which of your keys for the provider (ignoring case); absent: `default`. 404 when it does not exist. The report\'s `key` holds that key\'s own figures; the top-level figures are the provider\'s, over all your keys for it.' })),
  },
  { additionalProperties: false },
);

const usageFigures = (whose: string) => ({
  last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], { description: `Last request ${whose}, over all time.` }),
  totals: UsageMetrics,
  by_model: Type.Array(Type.Object({ model: Type.String(), ...UsageMetrics.properties }), { description: 'Per model, by model name.' }),
  by_day: Type.Array(Type.Object({ day: Type.String({ format: 'date' }), ...UsageMetrics.properties }), {
    description: 'One entry per day of the range, oldest first, zeros on days without traffic.',
  }),
});

export const KeyUsageReport = Type.Object({
  provider: Type.String(),
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  ...usageFigures("through any of the owner's keys for this provider"),
  key: Type.Object(
    {
      id: Type.String({ format: 'uuid' }),
      label: Type.String(),
      ...usageFigures('this key answered'),
    },
    {
      description:
        "The figures of the key the route names (`default`, or `?label=`) alone: the requests it answered, a request that failed over counting for the key whose answer the client got (its failed attempts are in the key's `health`). Recorded per key since the key pool's usage rollup was added; days before it (older than the raw events kept then, `USAGE_EVENTS_RETENTION_DAYS`) read zero here while the provider's figures above have them.",
    },
  ),
});
export type KeyUsageReport = Static<typeof KeyUsageReport>;

export const UsageFormat = Type.Enum(['json', 'csv'], { description: 'Response format; `csv` (or `Accept: text/csv`) returns the groups as CSV with a header row.' });

export const UserUsageQuery = Type.Object(
  {
    ...DayRangeQuery,
    group_by: Type.Optional(Type.Enum(USAGE_GROUPINGS, { description: 'Dimension of the groups; defaults to provider.' })),
    provider: Type.Optional(Type.Enum(PROVIDER_IDS, { description: "Only this provider's traffic (with `group_by=day`: its daily series)." })),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Only this model's traffic, by the name sent upstream (with `group_by=day`: its daily series)." })),
    format: Type.Optional(UsageFormat),
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 255, description: "Admins only: whose usage. Anyone else passing it gets 403, even with their own id." })),
  },
  { additionalProperties: false },
);
export type UserUsageQuery = Static<typeof UserUsageQuery>;

export const UserUsageReport = Type.Object({
  user_id: Type.String(),
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  group_by: Type.Enum(USAGE_GROUPINGS),
  provider: Type.Optional(Type.String({ description: 'The provider filter, when one was given.' })),
  model: Type.Optional(Type.String({ description: 'The model filter, when one was given.' })),
  groups: Type.Array(Type.Object({ key: Type.String({ description: 'The provider, model, day or credential source of the group.' }), ...UsageMetrics.properties })),
  totals: UsageMetrics,
});
export type UserUsageReport = Static<typeof UserUsageReport>;

const Share = (what: string) =>
  Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: `BYOK share of ${what}, 0 to 1 (six decimals); null without traffic.` });

export const PlatformUsageRow = Type.Object({ ...UsageMetrics.properties, byok_call_share: Share('requests'), byok_cost_share: Share('provider cost') });

export const PlatformUsageReport = Type.Object({
  from: Type.String({ format: 'date' }),
  to: Type.String({ format: 'date' }),
  providers: Type.Array(Type.Object({ provider: Type.String(), ...PlatformUsageRow.properties })),
  totals: PlatformUsageRow,
});
export type PlatformUsageReport = Static<typeof PlatformUsageReport>;

export const PlatformUsageQuery = Type.Object(DayRangeQuery, { additionalProperties: false });

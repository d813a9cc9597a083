import Type, { type Static } from 'typebox';
import { BUDGET_ACTIONS, BUDGET_PERIODS, BUDGET_SCOPES } from '@byok/budgets';
import { WellFormedString } from '@byok/http';

/** Most thresholds one budget notifies at: each is one notification per period. */
export const MAX_BUDGET_THRESHOLDS = 10;
export const DEFAULT_BUDGET_THRESHOLDS = [80, 90];

const Limit = (description: string) => Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description });

const Limits = Type.Object(
  {
    requests: Type.Optional(Limit('Requests that reached a provider (a refused request counts nothing).')),
    tokens: Type.Optional(Limit('Prompt plus completion tokens.')),
    spend_micro_usd: Type.Optional(Limit('Cost at the provider’s list price in micro-USD (1 USD = 1,000,000), also for requests served by your own keys.')),
  },
  { additionalProperties: false, minProperties: 1, description: 'At least one limit; each a non-negative integer. 0 refuses every request of the scope.' },
);

const Thresholds = Type.Array(Type.Integer({ minimum: 1, maximum: 100 }), {
  maxItems: MAX_BUDGET_THRESHOLDS,
  uniqueItems: true,
  description: `Percentages of a limit at which the owner is notified, once per budget, threshold and period (default ${JSON.stringify(DEFAULT_BUDGET_THRESHOLDS)}; [] for none).`,
});

const Period = Type.Enum(BUDGET_PERIODS, { description: 'The budget resets at local midnight in `time_zone`: every day, every Monday, or on the 1st of the month.' });
const TimeZone = WellFormedString({ minLength: 1, maxLength: 64, description: 'IANA time zone name in which the period starts (default `UTC`).' });
const Action = Type.Enum(BUDGET_ACTIONS, {
  description:
    '`block` (default): a request that would pass a limit gets 429 `budget_exceeded`; a key budget makes that key skip so the pool fails over. ' +
    '`disable_key` (key budgets only): the key is disabled when exhausted and enabled again at the reset, or at once when the budget is deleted or its limits or action change (unless its owner toggled the key since). `notify`: nothing is refused.',
});

export const CreateBudgetBody = Type.Object(
  {
    scope: Type.Enum(BUDGET_SCOPES, {
      description:
        'What the budget counts. `user`: your requests not made for an organization. `provider`: the same, to one provider. `key`: every request one key served. ' +
        '`org`: every request made for an organization. `org_member`: one member’s requests for an organization.',
    }),
    scope_id: Type.Optional(
      WellFormedString({
        minLength: 1,
        maxLength: 300,
        description: 'Absent for `user`; a provider id, one of your keys’ ids (or an org key’s, as its org’s owner or admin), an org id, or `<org id>/<user id>` of a member.',
      }),
    ),
    period: Period,
    time_zone: Type.Optional(TimeZone),
    limits: Limits,
    thresholds: Type.Optional(Thresholds),
    action: Type.Optional(Action),
  },
  { additionalProperties: false },
);
export type CreateBudgetBody = Static<typeof CreateBudgetBody>;

export const UpdateBudgetBody = Type.Object(
  { period: Type.Optional(Period), time_zone: Type.Optional(TimeZone), limits: Type.Optional(Limits), thresholds: Type.Optional(Thresholds), action: Type.Optional(Action) },
  // Scope and scope id are the budget's identity: delete it and create another to count something else.
  // An empty body is refused by the service after the access check, so someone else's budget is a 404 whatever the body.
  { additionalProperties: false },
);
export type UpdateBudgetBody = Static<typeof UpdateBudgetBody>;

export const BudgetParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const Amounts = (description: string) =>
  Type.Object({ requests: Type.Optional(Type.Integer()), tokens: Type.Optional(Type.Integer()), spend_micro_usd: Type.Optional(Type.Integer()) }, { description });

export const BudgetView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    scope: Type.Enum(BUDGET_SCOPES),
    scope_id: Type.Union([Type.String(), Type.Null()]),
    org_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'The organization that owns the budget, or null for yours.' }),
    can_manage: Type.Boolean({ description: 'Whether you may change or delete it (members only read the `org_member` budgets about themselves).' }),
    period: Type.Enum(BUDGET_PERIODS),
    time_zone: Type.String(),
    limits: Amounts('The limits set.'),
    thresholds: Type.Array(Type.Integer()),
    action: Type.Enum(BUDGET_ACTIONS),
    use: Type.Object(
      { requests: Type.Integer(), tokens: Type.Integer(), spend_micro_usd: Type.Integer() },
      { description: 'This period’s use as recorded (the proxies’ live counters may be a few seconds ahead).' },
    ),
    remaining: Amounts('Per limit set: the limit minus this period’s use, never below 0.'),
    period_start: Type.String({ format: 'date-time' }),
    resets_at: Type.String({ format: 'date-time', description: 'The end of the current period (RFC 3339).' }),
    created_by: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    updated_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Budget' },
);

import Type, { type Static } from 'typebox';

/** The largest single grant: a guard against a slipped decimal point, not a business limit. */
export const MAX_GRANT_CREDITS = 1_000_000;

const MONEY_NOTE = 'Decimal string with exactly six decimals; the matching `_micro` field is the same amount as an exact integer of micro-credits (1e-6).';
const Micro = (description: string) => Type.Integer({ description: `${description} In micro-credits (1e-6), exact.` });
const Decimal = (description: string) => Type.String({ pattern: '^-?\\d+\\.\\d{6}$', description: `${description} ${MONEY_NOTE}`, examples: ['25.000000'] });

export const LedgerEntryView = Type.Object({
  id: Type.String(),
  kind: Type.Enum(['charge', 'grant']),
  amount_micro: Micro('Change to the balance: negative for charges, positive for grants.'),
  amount: Decimal('Change to the balance.'),
  balance_after_micro: Micro('Balance after the change.'),
  balance_after: Decimal('Balance after the change.'),
  request_id: Type.Union([Type.String(), Type.Null()], { description: 'The proxied request a charge is for.' }),
  actor_id: Type.Union([Type.String(), Type.Null()], { description: 'The admin who granted, for grants.' }),
  details: Type.Record(Type.String(), Type.Unknown()),
  created_at: Type.String({ format: 'date-time' }),
});
export type LedgerEntryView = Static<typeof LedgerEntryView>;

export const CreditsView = Type.Object({
  user_id: Type.String(),
  balance_micro: Micro('Current balance.'),
  balance: Decimal('Current balance. One credit pays one dollar of provider cost.'),
  ledger: Type.Array(LedgerEntryView, { description: 'The most recent ledger entries (at most 50), newest first.' }),
});
export type CreditsView = Static<typeof CreditsView>;

export const GrantHeaders = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\x21-\\x7e]+$', description: 'Any unique printable ASCII string (a UUID, say) that makes retries of this grant apply once.' }),
  ),
});

export const GrantBody = Type.Object(
  {
    user: Type.String({ minLength: 1, maxLength: 255, description: 'Who receives the credits.' }),
    amount: Type.Union(
      [
        Type.Number({ exclusiveMinimum: 0, maximum: MAX_GRANT_CREDITS }),
        // Text keeps an amount exact where a client's floats would not (`"0.000001"`).
        Type.String({ pattern: '^[0-9]{1,16}(\\.[0-9]{1,6})?$' }),
      ],
      { description: `Credits to add, more than 0 and at most ${MAX_GRANT_CREDITS}, with at most six decimals: a JSON number, or the same as a decimal string.` },
    ),
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why; kept in the ledger and the audit record.' }),
  },
  { additionalProperties: false },
);
export type GrantBody = Static<typeof GrantBody>;

export const GrantResult = Type.Object({
  user_id: Type.String(),
  granted_micro: Micro('Credits added.'),
  granted: Decimal('Credits added.'),
  balance_micro: Micro('Balance after the grant.'),
  balance: Decimal('Balance after the grant.'),
});
export type GrantResult = Static<typeof GrantResult>;

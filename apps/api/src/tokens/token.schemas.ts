import Type, { type Static } from 'typebox';
import { WellFormedString } from '@byok/http';

/** A gateway token as listed: never the token itself, only its prefix. */
export const TokenView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    org_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], { description: 'The organization the token always acts for; null for a personal token.' }),
    prefix: Type.String({ description: 'The first characters of the token, to tell tokens apart.' }),
    created_at: Type.String({ format: 'date-time' }),
    last_used_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    expires_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    revoked_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'GatewayToken' },
);
export type TokenView = Static<typeof TokenView>;

export const CreateTokenBody = Type.Object(
  {
    name: WellFormedString({ minLength: 1, maxLength: 100, description: 'A label to tell your tokens apart.' }),
    expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
    org_id: Type.Optional(
      Type.String({
        maxLength: 100,
        description: 'Create the token for this organization (you must be a member): it then always acts for it, as `x-byok-org` would. Any other id answers 404 `org_not_found`.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The creation answer: the view plus the token, shown this once. */
export const CreatedToken = Type.Intersect([TokenView, Type.Object({ token: Type.String() })]);

export const TokenIdParam = Type.Object({ id: Type.String({ format: 'uuid' }) });

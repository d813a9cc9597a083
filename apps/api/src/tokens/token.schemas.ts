import Type, { type Static } from 'typebox';
import { WellFormedString } from '@byok/http';

/** A gateway token as listed: never the token itself, only its prefix. */
export const TokenView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
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
  },
  { additionalProperties: false },
);

/** The creation answer: the view plus the token, shown this once. */
export const CreatedToken = Type.Intersect([TokenView, Type.Object({ token: Type.String() })]);

export const TokenIdParam = Type.Object({ id: Type.String({ format: 'uuid' }) });

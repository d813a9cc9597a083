import Type, { type Static } from 'typebox';
import { MEMBER_KEYS_POLICIES, ORG_ROLES } from '@byok/db';
import { WellFormedString } from '@byok/http';

const Role = Type.Enum([...ORG_ROLES], { description: 'owner > admin > member. Owners and admins manage keys, members and settings; only owners delete the organization or touch owners.' });
const MemberKeys = Type.Enum([...MEMBER_KEYS_POLICIES], {
  description: "How a member's own keys mix with the organization's while acting for it: `prefer` (member's first), `allow` (org's first), `forbid` (org's only).",
});
const PlatformFallback = Type.Enum(['allow', 'never'], { description: "Whether the platform's keys (charged to the member's credits) serve what no key can." });
const OrgName = WellFormedString({ minLength: 1, maxLength: 100, description: 'A display name (no control characters).' });

export const OrgParams = Type.Object({
  org: Type.String({ maxLength: 100, description: 'The organization id. Any id that is not one of your organizations answers 404 `org_not_found`.' }),
});
export const MemberParams = Type.Object({
  org: OrgParams.properties.org,
  user_id: Type.String({ minLength: 1, maxLength: 255, description: "The member's user id." }),
});

export const CreateOrgBody = Type.Object({ name: OrgName }, { additionalProperties: false });

export const UpdateOrgBody = Type.Object(
  { name: Type.Optional(OrgName), member_keys: Type.Optional(MemberKeys), platform_fallback: Type.Optional(PlatformFallback) },
  { additionalProperties: false },
);
export type UpdateOrgBody = Static<typeof UpdateOrgBody>;

export const MemberView = Type.Object(
  {
    user_id: Type.String(),
    role: Role,
    source: Type.Enum(['api', 'claim'], { description: '`api`: added by an owner or admin; `claim`: recorded from the identity provider token claim (AUTH_ORG_CLAIM).' }),
    added_by: Type.Union([Type.String(), Type.Null()]),
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'OrgMember' },
);
export type MemberView = Static<typeof MemberView>;

export const OrgView = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    role: Type.Enum([...ORG_ROLES], { description: 'Your role in the organization.' }),
    member_keys: MemberKeys,
    platform_fallback: PlatformFallback,
    created_at: Type.String({ format: 'date-time' }),
  },
  { $id: 'Org' },
);
export type OrgView = Static<typeof OrgView>;

export const OrgDetailView = Type.Intersect([OrgView, Type.Object({ members: Type.Array(MemberView) })]);

export const AddMemberBody = Type.Object(
  {
    user_id: WellFormedString({ minLength: 1, maxLength: 255, description: 'The user id to add (as the identity provider names users; never `org:…`).' }),
    role: Type.Optional(Type.Enum([...ORG_ROLES], { default: 'member', description: 'Only owners grant `owner`.' })),
  },
  { additionalProperties: false },
);

export const ChangeRoleBody = Type.Object({ role: Role }, { additionalProperties: false });

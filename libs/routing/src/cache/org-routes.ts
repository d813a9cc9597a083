import { orgKeySets, type OrgMemberKeys } from '../decision/org-key-sets.js';
import type { KeySets, PlatformFallback, UserKeyCandidate } from '../decision/route-decision.types.js';
import type { StoredUserKey } from './stored-user-key.js';
import { RunTurns } from './run-turns.js';
import { buildUserRoutes, type KeyDecryptor, type Routes, type UserRoutes } from './user-routes.js';

/**
 * What routing needs of a member's membership (`findOrgMembership` in `@byok/db` returns it): the
 * org's id (lower case), the member's role and the org's routing policy.
 */
export interface OrgMembershipInfo {
  orgId: string;
  role: string;
  memberKeys: OrgMemberKeys;
  platformFallback: PlatformFallback;
}

/**
 * A member's routing state while acting for an organization: the org's keys and the member's own
 * in the order of the org's `member_keys` (`orgKeySets`), and the org's `platform_fallback`.
 */
export interface OrgRoutes extends Routes {
  /** The member. */
  readonly userId: string;
  readonly org: Readonly<OrgMembershipInfo>;
  readonly keys: KeySets;
  /** What `JSON.stringify` shows: ids and states only. */
  toJSON(): { userId: string; orgId: string; keys: UserKeyCandidate[] };
}

/** The member's and the org's routes; each keeps its plaintexts in its own private field. */
class OrgRoutesEntry implements OrgRoutes {
  readonly userId: string;
  readonly org: Readonly<OrgMembershipInfo>;
  readonly keys: KeySets;
  readonly platformFallback: PlatformFallback;
  readonly #owners: readonly UserRoutes[];
  // Per member and org: the org's equal-priority keys alternate for each member.
  readonly turns = new RunTurns();

  constructor(userId: string, org: OrgMembershipInfo, owners: readonly UserRoutes[], keys: KeySets) {
    this.userId = userId;
    this.org = Object.freeze({ ...org });
    this.keys = keys;
    this.platformFallback = org.platformFallback;
    this.#owners = owners;
  }

  credentialFor(keyId: string): string | undefined {
    for (const owner of this.#owners) {
      const key = owner.credentialFor(keyId);
      if (key !== undefined) return key;
    }
    return undefined;
  }

  toJSON(): { userId: string; orgId: string; keys: UserKeyCandidate[] } {
    return { userId: this.userId, orgId: this.org.orgId, keys: this.#owners.flatMap((owner) => owner.toJSON().keys) };
  }
}

/** Options of `buildOrgRoutes`. */
export interface BuildOrgRoutesOptions {
  /** Told the owner id (`org:<org id>` for the org's keys) and key id of a key that did not decrypt. */
  onUndecryptableKey?: ((ownerId: string, keyId: string) => void) | undefined;
}

/**
 * Builds a member's routes for an organization: the org's rows (owner `orgOwner`, each decrypted
 * and checked against its binding to that owner) and, unless the org forbids them, the member's
 * own rows. Under `forbid` the member's keys are not even decrypted.
 */
export function buildOrgRoutes(
  userId: string,
  membership: OrgMembershipInfo,
  rows: { member: readonly StoredUserKey[]; org: readonly StoredUserKey[]; orgOwner: string },
  keyring: KeyDecryptor,
  options: BuildOrgRoutesOptions = {},
): OrgRoutes {
  const org = buildUserRoutes(rows.orgOwner, rows.org, keyring, { org: true, onUndecryptableKey: options.onUndecryptableKey });
  const member = membership.memberKeys === 'forbid' ? buildUserRoutes(userId, [], keyring) : buildUserRoutes(userId, rows.member, keyring, { onUndecryptableKey: options.onUndecryptableKey });
  return Object.freeze(new OrgRoutesEntry(userId, membership, [org, member], orgKeySets(membership.memberKeys, member.keys, org.keys)));
}

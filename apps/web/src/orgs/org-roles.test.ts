import { describe, expect, it } from 'vitest';
import { canManageOrg } from './can-manage-org.js';
import { canChangeMember, canRemoveMember, grantableRoles, orgNameProblem, userIdProblem } from './org-roles.js';
import type { OrgMember, OrgRole } from './org-types.js';

const member = (user_id: string, role: OrgRole): OrgMember => ({ user_id, role, source: 'api', added_by: null, created_at: '2026-12-06T18:00:00Z' });

describe('org roles', () => {
  it('lets owners and admins manage, and only owners grant owner', () => {
    expect(['owner', 'admin', 'member'].map((r) => canManageOrg(r as OrgRole))).toEqual([true, true, false]);
    expect(grantableRoles('owner')).toEqual(['owner', 'admin', 'member']);
    expect(grantableRoles('admin')).toEqual(['admin', 'member']);
    expect(grantableRoles('member')).toEqual([]);
  });

  it('keeps admins off owners and members off everyone; anyone may leave', () => {
    expect(canChangeMember('owner', member('u2', 'owner'))).toBe(true);
    expect(canChangeMember('admin', member('u2', 'owner'))).toBe(false);
    expect(canChangeMember('admin', member('u2', 'admin'))).toBe(true);
    expect(canChangeMember('member', member('u2', 'member'))).toBe(false);
    expect(canRemoveMember('admin', 'me', member('u2', 'owner'))).toBe(false);
    expect(canRemoveMember('member', 'me', member('u2', 'member'))).toBe(false);
    expect(canRemoveMember('member', 'me', member('me', 'member'))).toBe(true);
    // The last owner's leave is refused by the server (409 last_owner), not hidden here.
    expect(canRemoveMember('owner', 'me', member('me', 'owner'))).toBe(true);
  });

  it('refuses user ids the API refuses: empty, too long, control characters, lone surrogates, the org: prefix', () => {
    expect(userIdProblem('  u-1  ')).toBeNull();
    expect(userIdProblem('ünïcødé 😀')).toBeNull();
    expect(userIdProblem(' \t ')).toMatch(/Enter/);
    expect(userIdProblem('x'.repeat(256))).toMatch(/at most 255/);
    expect(userIdProblem('x'.repeat(255))).toBeNull();
    expect(userIdProblem('a\u0000b')).toMatch(/cannot have/);
    expect(userIdProblem('a\nb')).toMatch(/cannot have/);
    expect(userIdProblem('a\uDC00b')).toMatch(/cannot have/);
    expect(userIdProblem('org:1234')).toMatch(/organizations/);
    // The server's check is case-sensitive, so this one is someone's user id.
    expect(userIdProblem('ORG:1234')).toBeNull();
  });

  it('checks org names the same way', () => {
    expect(orgNameProblem(' Acme ')).toBeNull();
    expect(orgNameProblem('')).toMatch(/Enter/);
    expect(orgNameProblem('x'.repeat(101))).toMatch(/at most 100/);
    expect(orgNameProblem('Acme\u0007')).toMatch(/cannot be shown/);
  });
});

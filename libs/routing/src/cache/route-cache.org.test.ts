import { describe, expect, it } from 'vitest';
import type { OrgMembershipInfo } from './org-routes.js';
import type { RouteCacheDeps } from './route-cache.js';
import { row, setup } from './route-cache.fixture.js';

const ORG = '0b6f6c1e-4f5a-4c1e-9d7b-2a1c3e5f7a90';
const OTHER_ORG = '5d1c0e2b-8a7f-4b3c-9e1d-0f2a4b6c8d10';
const ORG_OWNER = `org:${ORG}`;

/** The route cache over the in-memory table, with memberships the test edits. */
function setupOrgs(overrides: Partial<RouteCacheDeps> = {}) {
  const members = new Map<string, OrgMembershipInfo>();
  const membershipReads: string[] = [];
  const harness = setup({
    loadOrgMembership: async (orgId, userId) => {
      membershipReads.push(`${orgId}/${userId}`);
      return members.get(`${orgId}/${userId}`) ?? null;
    },
    ...overrides,
  });
  const join = (userId: string, memberKeys: OrgMembershipInfo['memberKeys'] = 'prefer', orgId = ORG) =>
    members.set(`${orgId}/${userId}`, { orgId, role: 'member', memberKeys, platformFallback: 'never' });
  harness.loader.table.set(ORG_OWNER, [row(ORG_OWNER, 'openai', 'sk-org-openai')]);
  harness.loader.table.set('u1', [row('u1', 'openai', 'sk-u1-openai')]);
  return { ...harness, members, membershipReads, join };
}

describe('createRouteCache: members acting for an organization', () => {
  it('merges the org’s and the member’s keys by the org’s policy, with the org’s platform fallback', async () => {
    const { cache, join } = setupOrgs();
    join('u1', 'allow');
    const routes = await cache.getForOrg('u1', ORG);
    expect(routes?.org).toMatchObject({ orgId: ORG, role: 'member', memberKeys: 'allow' });
    expect(routes?.platformFallback).toBe('never');
    expect(routes?.keys.sets.map((set) => set.org)).toEqual([true, false]);
    expect(routes?.credentialFor(`${ORG_OWNER}-openai`)).toBe('sk-org-openai');
    expect(routes?.credentialFor('u1-openai')).toBe('sk-u1-openai');
    // The member's own entry is separate and unchanged.
    expect((await cache.get('u1')).credentialFor(`${ORG_OWNER}-openai`)).toBeUndefined();
    expect(JSON.stringify(routes)).not.toContain('sk-');
  });

  it('forbid: the member’s keys are neither offered nor decrypted', async () => {
    const { cache, join } = setupOrgs();
    join('u1', 'forbid');
    const routes = await cache.getForOrg('u1', ORG);
    expect(routes?.keys.sets).toHaveLength(1);
    expect(routes?.credentialFor('u1-openai')).toBeUndefined();
  });

  it('answers null for a non-member, remembers it briefly, and reads it again after the TTL', async () => {
    const { cache, clock, membershipReads, join } = setupOrgs({ negativeTtlMs: 1000 });
    expect(await cache.getForOrg('u1', ORG)).toBeNull();
    expect(await cache.getForOrg('u1', ORG)).toBeNull();
    expect(membershipReads).toHaveLength(1);
    join('u1');
    clock.now += 1000;
    expect(await cache.getForOrg('u1', ORG)).not.toBeNull();
    expect(membershipReads).toHaveLength(2);
  });

  it('a user-id message drops the user’s own entry and every org entry of theirs; others stay', async () => {
    const { cache, subscription, loader, join } = setupOrgs();
    await cache.start();
    join('u1');
    join('u1', 'prefer', OTHER_ORG);
    join('u2');
    await Promise.all([cache.get('u1'), cache.getForOrg('u1', ORG), cache.getForOrg('u1', OTHER_ORG), cache.getForOrg('u2', ORG)]);
    expect(cache.size).toBe(4);
    subscription.state.onMessage('u1');
    expect(cache.size).toBe(1);
    const calls = loader.calls.length;
    await cache.getForOrg('u2', ORG);
    expect(loader.calls.length).toBe(calls);
  });

  it('an org:<id> message drops every member’s entry for that org, and nothing else', async () => {
    const { cache, subscription, join, members } = setupOrgs();
    await cache.start();
    join('u1');
    join('u2');
    join('u1', 'prefer', OTHER_ORG);
    await Promise.all([cache.get('u1'), cache.getForOrg('u1', ORG), cache.getForOrg('u2', ORG), cache.getForOrg('u1', OTHER_ORG)]);
    members.delete(`${ORG}/u2`);
    subscription.state.onMessage(ORG_OWNER);
    expect(cache.size).toBe(2);
    expect(await cache.getForOrg('u2', ORG)).toBeNull();
    expect(await cache.getForOrg('u1', ORG)).not.toBeNull();
  });

  it('does not keep an org entry whose load a removal overtook', async () => {
    const { cache, loader, join, members } = setupOrgs();
    join('u1');
    const release = loader.hold();
    const during = cache.getForOrg('u1', ORG);
    members.delete(`${ORG}/u1`);
    cache.invalidate('u1');
    release();
    expect(await during).not.toBeNull();
    expect(cache.size).toBe(0);
    expect(await cache.getForOrg('u1', ORG)).toBeNull();
  });

  it('beyond maxUsers the oldest org entries go; an org message drops those held', async () => {
    const { cache, subscription, join } = setupOrgs({ maxUsers: 2 });
    await cache.start();
    for (const user of ['a', 'b', 'c', 'd']) {
      join(user);
      await cache.getForOrg(user, ORG);
    }
    expect(cache.size).toBe(2);
    // The evicted members are no longer indexed: dropping the org removes only the two held.
    subscription.state.onMessage(ORG_OWNER);
    expect(cache.size).toBe(0);
  });

  it('reports a failed reload of an org entry by member and org, and serves the entry stale meanwhile', async () => {
    const failures: string[] = [];
    const { cache, loader, clock, join } = setupOrgs({ onRefreshError: (userId, _error, orgId) => failures.push(`${userId} ${orgId}`) });
    join('u1');
    const routes = await cache.getForOrg('u1', ORG);
    loader.fail(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    clock.now += 31_000;
    expect(await cache.getForOrg('u1', ORG)).toBe(routes);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(failures).toEqual([`u1 ${ORG}`]);
  });
});

describe('createRouteCache: the orgs a user is in, kept per user (loadMemberOrgIds)', () => {
  function setupMemberOrgs(overrides: Partial<RouteCacheDeps> = {}) {
    const orgListReads: string[] = [];
    let failWith: Error | null = null;
    const harness = setupOrgs({
      loadMemberOrgIds: async (userId) => {
        orgListReads.push(userId);
        if (failWith !== null) throw failWith;
        return [...harness.members.keys()].filter((key) => key.endsWith(`/${userId}`)).map((key) => key.slice(0, key.indexOf('/')));
      },
      ...overrides,
    });
    return { ...harness, orgListReads, failLists: (error: Error | null) => (failWith = error) };
  }

  it('refuses orgs the user is not in from memory: no membership read, no key read, no entry per org', async () => {
    const { cache, join, membershipReads, orgListReads, loader } = setupMemberOrgs();
    join('u1');
    expect(await cache.getForOrg('u1', ORG)).not.toBeNull();
    const keyReads = loader.calls.length;
    for (let i = 0; i < 1000; i++) {
      expect(await cache.getForOrg('u1', `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`)).toBeNull();
    }
    expect(orgListReads).toEqual(['u1']);
    expect(membershipReads).toEqual([`${ORG}/u1`]);
    expect(loader.calls.length).toBe(keyReads);
    // The org list and the one org entry: a flood of unknown orgs adds nothing that could evict real users.
    expect(cache.size).toBe(2);
  });

  it('a user-id message (a membership change or a new org) drops the list, so a new membership counts at once', async () => {
    const { cache, subscription, join, orgListReads } = setupMemberOrgs();
    await cache.start();
    expect(await cache.getForOrg('u1', ORG)).toBeNull();
    join('u1');
    subscription.state.onMessage('u1');
    expect(await cache.getForOrg('u1', ORG)).not.toBeNull();
    expect(orgListReads).toEqual(['u1', 'u1']);
  });

  it('serves the last known list while reading it fails, within the staleness bound', async () => {
    const { cache, clock, join, failLists } = setupMemberOrgs();
    join('u1');
    const routes = await cache.getForOrg('u1', ORG);
    failLists(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    clock.now += 31_000;
    expect(await cache.getForOrg('u1', ORG)).toBe(routes);
    expect(await cache.getForOrg('u1', OTHER_ORG)).toBeNull();
  });
});

import { describe, expect, it } from 'vitest';
import { ORG_TABS, orgPath, orgTabsFor, parseOrgPath } from './org-paths.js';

describe('org paths', () => {
  it('reads the list, the create form and an org’s tabs, keys by default', () => {
    expect(parseOrgPath('/account/orgs')).toEqual({ kind: 'list', create: false });
    expect(parseOrgPath('/account/orgs/new/')).toEqual({ kind: 'list', create: true });
    expect(parseOrgPath('/account/orgs/o1')).toEqual({ kind: 'org', id: 'o1', tab: 'keys' });
    expect(parseOrgPath('/account/orgs/o1/members')).toEqual({ kind: 'org', id: 'o1', tab: 'members' });
    expect(parseOrgPath('/account/orgs/o1/activity')).toEqual({ kind: 'org', id: 'o1', tab: 'activity' });
    expect(parseOrgPath('/account/api-keys')).toBeNull();
    expect(parseOrgPath('/account/orgsx')).toBeNull();
  });

  it('round-trips ids that need escaping and calls anything else unknown', () => {
    expect(parseOrgPath(orgPath('a/b c', 'usage'))).toEqual({ kind: 'org', id: 'a/b c', tab: 'usage' });
    expect(parseOrgPath('/account/orgs/o1/secrets')).toEqual({ kind: 'unknown' });
    expect(parseOrgPath('/account/orgs/o1/keys/extra')).toEqual({ kind: 'unknown' });
    expect(parseOrgPath('/account/orgs/%E0%A4%A/keys')).toEqual({ kind: 'unknown' });
  });

  it('offers the activity tab to owners and admins only, as its route allows', () => {
    expect(orgTabsFor('owner')).toEqual(ORG_TABS);
    expect(orgTabsFor('admin')).toEqual(ORG_TABS);
    expect(orgTabsFor('member')).toEqual(['keys', 'members', 'usage', 'settings']);
  });
});

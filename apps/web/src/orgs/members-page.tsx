import { useCallback, useEffect, useRef, useState } from 'react';
import { messageOf } from '../api/http.js';
import { useApp } from '../app/app-context.js';
import { navigate, useDocumentTitle } from '../app/router.js';
import { Dialog } from '../ui/dialog.js';
import { ErrorNotice, Loading } from '../ui/feedback.js';
import { useToast } from '../ui/toasts.js';
import { AddMemberForm } from './add-member-form.js';
import { MemberRow } from './member-row.js';
import { ORGS_PATH, rememberOrg } from './org-paths.js';
import { canManageOrg } from './can-manage-org.js';
import type { OrgMember, OrgRole, OrgView } from './org-types.js';
import { useOrgs } from './orgs-context.js';
import { ROLE_LABELS } from './role-labels.js';

/**
 * The org's members: everyone sees the list and may leave; owners and admins add people, change
 * roles and remove members within their rights. A refusal (the last owner leaving, say) is shown
 * in the member's row, where the change was asked for.
 */
export function MembersPage({ org }: { org: OrgView }) {
  useDocumentTitle(`Members of ${org.name}`);
  const { api, reload: reloadOrgs } = useOrgs();
  const { session } = useApp();
  const notify = useToast();
  const [members, setMembers] = useState<OrgMember[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [rowError, setRowError] = useState<{ userId: string; message: string } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [confirmLeave, setConfirmLeave] = useState<OrgMember | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      setMembers(await api.members(org.id));
    } catch (error) {
      setLoadError(messageOf(error));
    }
  }, [api, org.id]);

  useEffect(() => {
    void load();
  }, [load]);

  const put = (member: OrgMember) =>
    setMembers((list) => (list?.some((m) => m.user_id === member.user_id) ? list.map((m) => (m.user_id === member.user_id ? member : m)) : [...(list ?? []), member]));

  /**
   * Runs one change to a member; a refusal lands in that member's row, and the pressed control
   * keeps focus. True when it was done.
   */
  async function change(member: OrgMember, run: () => Promise<void>): Promise<boolean> {
    setRowError(null);
    setBusy(member.user_id);
    try {
      await run();
      return true;
    } catch (error) {
      setRowError({ userId: member.user_id, message: messageOf(error) });
      return false;
    } finally {
      setBusy(null);
    }
  }

  const changeRole = (member: OrgMember, role: OrgRole) =>
    change(member, async () => {
      put({ ...member, ...(await api.changeRole(org.id, member.user_id, role)) });
      notify('success', `${member.user_id} is now ${ROLE_LABELS[role].toLowerCase()}.`);
      // Your own role decides what this page offers you.
      if (member.user_id === session.userId) await reloadOrgs();
    });

  const remove = (member: OrgMember) =>
    change(member, async () => {
      await api.removeMember(org.id, member.user_id);
      if (member.user_id === session.userId) {
        rememberOrg(null);
        navigate(ORGS_PATH);
        notify('success', `You left ${org.name}.`);
        await reloadOrgs();
        return;
      }
      setMembers((list) => list?.filter((m) => m.user_id !== member.user_id) ?? null);
      notify('success', `${member.user_id} removed from ${org.name}.`);
      // The pressed button is gone with its row; the list's heading keeps the reader in place.
      heading.current?.focus();
    });

  async function add(member: { user_id: string; role: OrgRole }): Promise<OrgMember> {
    const added = await api.addMember(org.id, member);
    put(added);
    notify('success', `Added ${added.user_id} as ${ROLE_LABELS[added.role].toLowerCase()}.`);
    return added;
  }

  return (
    <section aria-labelledby="members-title">
      <h1 id="members-title" ref={heading} tabIndex={-1}>
        Members of {org.name}
      </h1>
      <p className="muted">
        Owners manage everything and are the only ones who delete the organization or make owners; admins manage keys, settings and members other than owners;
        members use the organization’s keys and see their own usage.
      </p>
      {loadError ? <ErrorNotice message={loadError} onRetry={() => void load()} /> : null}
      {!members && !loadError ? <Loading label="Loading members…" /> : null}
      {members ? (
        <div className="table-wrap">
          <table>
            <caption>{members.length === 1 ? '1 member' : `${members.length} members`}</caption>
            <thead>
              <tr>
                <th scope="col">User</th>
                <th scope="col">Role</th>
                <th scope="col">Membership</th>
                <th scope="col">Since</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((member) => (
                <MemberRow
                  key={member.user_id}
                  member={member}
                  myRole={org.role}
                  myUserId={session.userId}
                  error={rowError?.userId === member.user_id ? rowError.message : null}
                  busy={busy === member.user_id}
                  onRole={changeRole}
                  onRemove={(m) => (m.user_id === session.userId ? setConfirmLeave(m) : void remove(m))}
                />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {canManageOrg(org.role) ? <AddMemberForm myRole={org.role} onAdd={add} /> : null}
      {confirmLeave ? (
        <Dialog title={`Leave ${org.name}?`} onClose={() => setConfirmLeave(null)} description="You lose the use of its keys at once; an owner or admin can add you again.">
          <div className="actions">
            <button type="button" className="button" onClick={() => setConfirmLeave(null)} data-autofocus>
              Stay
            </button>
            <button
              type="button"
              className="button button-danger"
              onClick={() => {
                setConfirmLeave(null);
                void remove(confirmLeave);
              }}
            >
              Leave {org.name}
            </button>
          </div>
        </Dialog>
      ) : null}
    </section>
  );
}

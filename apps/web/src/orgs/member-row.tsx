import { useEffect, useId, useRef, useState } from 'react';
import { formatDateTime } from '../ui/format.js';
import { canChangeMember, canRemoveMember, grantableRoles } from './org-roles.js';
import type { OrgMember, OrgRole } from './org-types.js';
import { ROLE_LABELS } from './role-labels.js';

interface MemberRowProps {
  member: OrgMember;
  myRole: OrgRole;
  myUserId: string;
  /** The server's refusal of the last change to this member (e.g. `last_owner`), shown in place. */
  error: string | null;
  busy: boolean;
  /** Resolves true once saved, false when refused (the error is then shown). */
  onRole: (member: OrgMember, role: OrgRole) => Promise<boolean>;
  /** Remove the member, or leave when it is you. */
  onRemove: (member: OrgMember) => void;
}

/**
 * One member: role (a select where you may change it), where the membership came from, and Remove
 * or Leave. A new role is chosen, then saved with its own button: arrowing through a closed select
 * fires a change per step in some browsers, which must not become one request per role passed.
 */
export function MemberRow({ member, myRole, myUserId, error, busy, onRole, onRemove }: MemberRowProps) {
  const errorId = useId();
  const isMe = member.user_id === myUserId;
  const describedBy = error ? { 'aria-describedby': errorId } : {};
  const [draft, setDraft] = useState(member.role);
  const select = useRef<HTMLSelectElement>(null);
  const saving = useRef(false);

  // A role saved (or changed by a reload) becomes the new starting point. The Save button goes
  // with it, so a save from here puts focus on the select, keeping the reader in the row.
  useEffect(() => {
    setDraft(member.role);
    if (saving.current) select.current?.focus();
    saving.current = false;
  }, [member.role]);

  async function saveRole() {
    if (busy) return;
    saving.current = true;
    if (!(await onRole(member, draft))) saving.current = false;
  }
  return (
    <>
      <tr data-user-id={member.user_id} aria-busy={busy}>
        <th scope="row">
          {member.user_id}
          {isMe ? <span className="muted"> (you)</span> : null}
        </th>
        <td>
          {canChangeMember(myRole, member) ? (
            <span className="input-row">
              <select ref={select} aria-label={`Role of ${member.user_id}`} value={draft} onChange={(e) => setDraft(e.target.value as OrgRole)} {...describedBy}>
                {grantableRoles(myRole).map((role) => (
                  <option key={role} value={role}>
                    {ROLE_LABELS[role]}
                  </option>
                ))}
              </select>
              {draft !== member.role ? (
                <button type="button" className="button" aria-busy={busy} onClick={() => void saveRole()}>
                  Save role<span className="sr-only"> of {member.user_id}</span>
                </button>
              ) : null}
            </span>
          ) : (
            ROLE_LABELS[member.role]
          )}
        </td>
        <td>{member.source === 'claim' ? 'From sign-in' : member.added_by ? `Added by ${member.added_by}` : 'Added'}</td>
        <td>{formatDateTime(member.created_at)}</td>
        <td>
          {canRemoveMember(myRole, myUserId, member) ? (
            <button type="button" className="button" aria-busy={busy} onClick={() => !busy && onRemove(member)} {...describedBy}>
              {isMe ? (
                <>
                  Leave<span className="sr-only"> the organization</span>
                </>
              ) : (
                <>
                  Remove<span className="sr-only"> {member.user_id}</span>
                </>
              )}
            </button>
          ) : null}
        </td>
      </tr>
      {error ? (
        <tr className="member-error">
          <td colSpan={5}>
            <p id={errorId} className="notice notice-error small" role="alert">
              {error}
            </p>
          </td>
        </tr>
      ) : null}
    </>
  );
}

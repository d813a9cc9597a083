import { type FormEvent, useId, useRef, useState } from 'react';
import { messageOf } from '../api/http.js';
import { grantableRoles, userIdProblem } from './org-roles.js';
import type { OrgMember, OrgRole } from './org-types.js';
import { ROLE_LABELS } from './role-labels.js';

interface AddMemberFormProps {
  myRole: OrgRole;
  /** Rejects with the API's reason, shown beside the field. */
  onAdd: (member: { user_id: string; role: OrgRole }) => Promise<OrgMember>;
}

/** Adds a person by user id with a role you may grant; the typed id stays when the server refuses it. */
export function AddMemberForm({ myRole, onAdd }: AddMemberFormProps) {
  const roles = grantableRoles(myRole);
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<OrgRole>('member');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const ids = { user: useId(), role: useId(), problem: useId() };

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (busy) return;
    const local = userIdProblem(userId);
    setProblem(local);
    if (!local) {
      setBusy(true);
      try {
        await onAdd({ user_id: userId.trim(), role });
        setUserId('');
      } catch (error) {
        setProblem(messageOf(error));
      } finally {
        setBusy(false);
      }
    }
    // Focus stays in the field: ready for the next person, or to correct this one.
    input.current?.focus();
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${ids.user}-title`} noValidate>
      <h2 id={`${ids.user}-title`}>Add a member</h2>
      <div className="inline-form">
        <div className="field">
          <label htmlFor={ids.user}>User id</label>
          <input
            ref={input}
            id={ids.user}
            value={userId}
            onChange={(e) => setUserId(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            aria-invalid={problem !== null}
            {...(problem ? { 'aria-describedby': ids.problem } : {})}
          />
        </div>
        <div className="field field-fit">
          <label htmlFor={ids.role}>Role</label>
          <select id={ids.role} value={role} onChange={(e) => setRole(e.target.value as OrgRole)}>
            {roles.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="button button-primary" aria-busy={busy}>
          {busy ? 'Adding…' : 'Add member'}
        </button>
      </div>
      {problem ? (
        <p id={ids.problem} className="notice notice-error small" role="alert">
          {problem}
        </p>
      ) : null}
    </form>
  );
}

import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import { messageOf } from '../api/http.js';
import { navigate } from '../app/router.js';
import { useToast } from '../ui/toasts.js';
import { orgPath } from './org-paths.js';
import { orgNameProblem } from './org-roles.js';
import { useOrgs } from './orgs-context.js';

/** Creates an organization with the caller as its owner, then opens its members view to invite people. */
export function CreateOrgForm({ autoFocus }: { autoFocus: boolean }) {
  const { api, reload } = useOrgs();
  const notify = useToast();
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const ids = { input: useId(), problem: useId() };

  useEffect(() => {
    if (autoFocus) input.current?.focus();
  }, [autoFocus]);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const local = orgNameProblem(name);
    setProblem(local);
    if (local) {
      input.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const org = await api.create(name.trim());
      await reload();
      notify('success', `Created ${org.name}. You are its owner.`);
      navigate(orgPath(org.id, 'members'));
    } catch (error) {
      setProblem(messageOf(error));
      input.current?.focus();
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="create-org-title" noValidate>
      <h2 id="create-org-title">Create an organization</h2>
      <div className="inline-form">
        <div className="field">
          <label htmlFor={ids.input}>Organization name</label>
          <input
            ref={input}
            id={ids.input}
            value={name}
            onChange={(e) => setName(e.target.value)}
            autoComplete="organization"
            aria-invalid={problem !== null}
            {...(problem ? { 'aria-describedby': ids.problem } : {})}
          />
        </div>
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? 'Creating…' : 'Create organization'}
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

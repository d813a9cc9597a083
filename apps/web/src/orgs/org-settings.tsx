import { type FormEvent, useId, useRef, useState } from 'react';
import { messageOf } from '../api/http.js';
import { useDocumentTitle } from '../app/router.js';
import { useToast } from '../ui/toasts.js';
import { DeleteOrg } from './delete-org.js';
import { canManageOrg } from './can-manage-org.js';
import { MEMBER_KEYS_POLICIES, orgNameProblem, PLATFORM_FALLBACKS } from './org-roles.js';
import type { OrgPatch, OrgView } from './org-types.js';
import { useOrgs } from './orgs-context.js';

/**
 * The org's name, how members' own keys mix with the org's, and whether platform credits may
 * serve what no key can. Owners and admins change them; members see them. Only changed fields
 * are sent, so two admins editing different settings do not undo each other.
 */
export function OrgSettings({ org }: { org: OrgView }) {
  useDocumentTitle(`${org.name} settings`);
  const { api, putOrg } = useOrgs();
  const notify = useToast();
  const [draft, setDraft] = useState({ name: org.name, member_keys: org.member_keys, platform_fallback: org.platform_fallback });
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const nameInput = useRef<HTMLInputElement>(null);
  const ids = { name: useId(), problem: useId() };
  const editable = canManageOrg(org.role);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const patch: OrgPatch = {
      ...(draft.name.trim() !== org.name ? { name: draft.name.trim() } : {}),
      ...(draft.member_keys !== org.member_keys ? { member_keys: draft.member_keys } : {}),
      ...(draft.platform_fallback !== org.platform_fallback ? { platform_fallback: draft.platform_fallback } : {}),
    };
    const local = patch.name !== undefined ? orgNameProblem(patch.name) : null;
    setProblem(local);
    if (local) {
      nameInput.current?.focus();
      return;
    }
    if (Object.keys(patch).length === 0) {
      notify('info', 'Nothing changed.');
      return;
    }
    setBusy(true);
    try {
      const saved = await api.update(org.id, patch);
      putOrg(saved);
      setDraft({ name: saved.name, member_keys: saved.member_keys, platform_fallback: saved.platform_fallback });
      notify('success', `Saved the settings of ${saved.name}.`);
    } catch (error) {
      setProblem(messageOf(error));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="org-settings-title">
      <h1 id="org-settings-title">Settings</h1>
      {editable ? null : <p className="muted">Only owners and admins change these.</p>}
      <form className="card" onSubmit={submit} noValidate>
        <fieldset disabled={!editable}>
          <div className="field">
            <label htmlFor={ids.name}>Organization name</label>
            <input
              ref={nameInput}
              id={ids.name}
              value={draft.name}
              onChange={(e) => setDraft({ ...draft, name: e.target.value })}
              aria-invalid={problem !== null}
              {...(problem ? { 'aria-describedby': ids.problem } : {})}
            />
          </div>
          <ChoiceGroup legend="Members’ own keys" name="member_keys" choices={MEMBER_KEYS_POLICIES} value={draft.member_keys} onChange={(member_keys) => setDraft({ ...draft, member_keys })} />
          <ChoiceGroup
            legend="Platform credits"
            name="platform_fallback"
            choices={PLATFORM_FALLBACKS}
            value={draft.platform_fallback}
            onChange={(platform_fallback) => setDraft({ ...draft, platform_fallback })}
          />
          {problem ? (
            <p id={ids.problem} className="notice notice-error small" role="alert">
              {problem}
            </p>
          ) : null}
          {editable ? (
            <button type="submit" className="button button-primary" aria-busy={busy}>
              {busy ? 'Saving…' : 'Save settings'}
            </button>
          ) : null}
        </fieldset>
      </form>
      {org.role === 'owner' ? <DeleteOrg org={org} /> : null}
    </section>
  );
}

interface ChoiceGroupProps<T extends string> {
  legend: string;
  name: string;
  choices: ReadonlyArray<{ value: T; label: string; explanation: string }>;
  value: T;
  onChange: (value: T) => void;
}

/** Radio buttons, each with its one-line explanation read as its description. */
function ChoiceGroup<T extends string>({ legend, name, choices, value, onChange }: ChoiceGroupProps<T>) {
  const prefix = useId();
  return (
    <fieldset>
      <legend>{legend}</legend>
      {choices.map((choice) => (
        <div key={choice.value} className="checkbox">
          <input
            type="radio"
            id={`${prefix}-${choice.value}`}
            name={name}
            value={choice.value}
            checked={value === choice.value}
            onChange={() => onChange(choice.value)}
            aria-describedby={`${prefix}-${choice.value}-why`}
          />
          <label htmlFor={`${prefix}-${choice.value}`}>
            {choice.label}
            <span id={`${prefix}-${choice.value}-why`} className="muted small choice-explanation">
              {choice.explanation}
            </span>
          </label>
        </div>
      ))}
    </fieldset>
  );
}

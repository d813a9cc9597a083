import { useEffect, useRef, useState } from 'react';
import type { KeyView, ProviderInfo } from '../api/types.js';
import { Dialog } from '../ui/dialog.js';
import { KeyForm } from './key-form.js';
import { keyName } from './key-pool.js';
import { KeyResult } from './key-result.js';
import { ProviderPicker } from './provider-picker.js';

/**
 * What a save does: the provider's first key (label `default`), another key under a new label,
 * or a new secret for one existing key (same label, so the API replaces it).
 */
export type KeyTarget = { kind: 'first' } | { kind: 'another' } | { kind: 'replace'; key: KeyView };

type Step =
  | { name: 'choose' }
  | { name: 'paste'; provider: ProviderInfo; target: KeyTarget }
  | { name: 'result'; provider: ProviderInfo; key: KeyView; target: KeyTarget };

interface AddKeyDialogProps {
  providers: ProviderInfo[];
  /** The user's keys, for the labels already taken and the picker's notes. */
  keys: readonly KeyView[];
  /** The owner's possessive for the titles: "your", or "Acme’s". */
  whose: string;
  /** Skips step one (a card's Add, Add another or Replace button). */
  initial?: { provider: ProviderInfo; target: KeyTarget };
  save: (provider: string, apiKey: string, allowUnrecognized: boolean, testFirst: boolean, label?: string) => Promise<KeyView>;
  settle: (id: string) => Promise<KeyView>;
  /** Tells the user how a test ended if they closed the dialog before it did. */
  announce: (key: KeyView) => void;
  onClose: () => void;
}

/** Add (or replace) a key: choose the provider, paste the key, watch the test result arrive. */
export function AddKeyDialog({ providers, keys, whose, initial, save, settle, announce, onClose }: AddKeyDialogProps) {
  const open = useRef(true);
  useEffect(() => {
    open.current = true;
    return () => {
      open.current = false;
    };
  }, []);
  const [step, setStep] = useState<Step>(initial ? { name: 'paste', ...initial } : { name: 'choose' });
  const keysOf = (provider: ProviderInfo) => keys.filter((k) => k.provider === provider.id);

  function choose(provider: ProviderInfo) {
    setStep({ name: 'paste', provider, target: keysOf(provider).length > 0 ? { kind: 'another' } : { kind: 'first' } });
  }

  async function onSave(provider: ProviderInfo, target: KeyTarget, apiKey: string, allowUnrecognized: boolean, testFirst: boolean, label?: string) {
    // With test-first, a failed test rejects here and the form shows why; the old key stays.
    const saved = await save(provider.id, apiKey, allowUnrecognized, testFirst, target.kind === 'replace' ? target.key.label : label);
    setStep({ name: 'result', provider, key: saved, target });
    const settled = await settle(saved.id).catch(() => saved);
    if (!open.current) {
      announce(settled);
      return;
    }
    // Only move on if the user is still looking at this result.
    setStep((current) => (current.name === 'result' && current.key.id === saved.id ? { ...current, key: settled } : current));
  }

  return (
    <Dialog title={titleOf(step, keys, whose)} onClose={onClose}>
      {step.name === 'choose' ? <ProviderPicker providers={providers} keys={keys} onChoose={choose} /> : null}
      {step.name === 'paste' ? (
        <KeyForm
          key={step.provider.id}
          provider={step.provider}
          replacing={step.target.kind === 'replace'}
          {...(step.target.kind === 'another' ? { askLabel: { taken: keysOf(step.provider).map((k) => k.label) } } : {})}
          onSave={(apiKey, allow, testFirst, label) => onSave(step.provider, step.target, apiKey, allow, testFirst, label)}
          {...(initial ? {} : { onBack: () => setStep({ name: 'choose' }) })}
        />
      ) : null}
      {step.name === 'result' ? (
        // "Paste a different key" after a failed test replaces the key just saved, under its label.
        <KeyResult keyView={step.key} whose={whose} onDone={onClose} onRetry={() => setStep({ name: 'paste', provider: step.provider, target: { kind: 'replace', key: step.key } })} />
      ) : null}
    </Dialog>
  );
}

function titleOf(step: Step, keys: readonly KeyView[], whose: string): string {
  if (step.name === 'choose') return 'Add a key';
  const alone = (key: KeyView) => !keys.some((k) => k.provider === key.provider && k.id !== key.id);
  if (step.name === 'result') return `${whose.charAt(0).toUpperCase()}${whose.slice(1)} ${keyName(step.key, alone(step.key))}`;
  if (step.target.kind === 'replace') return `Replace ${whose} ${keyName(step.target.key, alone(step.target.key))}`;
  return step.target.kind === 'another' ? `Add another ${step.provider.name} key` : `Add ${whose} ${step.provider.name} key`;
}

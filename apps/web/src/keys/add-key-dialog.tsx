import { useEffect, useRef, useState } from 'react';
import type { KeyView, ProviderInfo } from '../api/types.js';
import { Dialog } from '../ui/dialog.js';
import { KeyForm } from './key-form.js';
import { KeyResult } from './key-result.js';
import { ProviderPicker } from './provider-picker.js';

type Step = { name: 'choose' } | { name: 'paste'; provider: ProviderInfo } | { name: 'result'; provider: ProviderInfo; key: KeyView };

interface AddKeyDialogProps {
  providers: ProviderInfo[];
  keys: ReadonlyMap<string, KeyView>;
  /** Skips step one (the card's Add or Replace button). */
  initialProvider?: ProviderInfo;
  save: (provider: string, apiKey: string, allowUnrecognized: boolean, testFirst: boolean) => Promise<KeyView>;
  settle: (provider: string) => Promise<KeyView>;
  /** Tells the user how a test ended if they closed the dialog before it did. */
  announce: (key: KeyView) => void;
  onClose: () => void;
}

/** Add (or replace) a key: choose the provider, paste the key, watch the test result arrive. */
export function AddKeyDialog({ providers, keys, initialProvider, save, settle, announce, onClose }: AddKeyDialogProps) {
  const open = useRef(true);
  useEffect(() => {
    open.current = true;
    return () => {
      open.current = false;
    };
  }, []);
  const [step, setStep] = useState<Step>(initialProvider ? { name: 'paste', provider: initialProvider } : { name: 'choose' });

  const title =
    step.name === 'choose'
      ? 'Add a key'
      : step.name === 'result'
        ? `Your ${step.provider.name} key`
        : keys.has(step.provider.id)
          ? `Replace your ${step.provider.name} key`
          : `Add your ${step.provider.name} key`;

  async function onSave(provider: ProviderInfo, apiKey: string, allowUnrecognized: boolean, testFirst: boolean) {
    // With test-first, a failed test rejects here and the form shows why; the old key stays.
    const saved = await save(provider.id, apiKey, allowUnrecognized, testFirst);
    setStep({ name: 'result', provider, key: saved });
    const settled = await settle(provider.id).catch(() => saved);
    if (!open.current) {
      announce(settled);
      return;
    }
    // Only move on if the user is still looking at this result.
    setStep((current) => (current.name === 'result' && current.key.id === saved.id ? { ...current, key: settled } : current));
  }

  return (
    <Dialog title={title} onClose={onClose}>
      {step.name === 'choose' ? <ProviderPicker providers={providers} keys={keys} onChoose={(provider) => setStep({ name: 'paste', provider })} /> : null}
      {step.name === 'paste' ? (
        <KeyForm
          key={step.provider.id}
          provider={step.provider}
          replacing={keys.has(step.provider.id)}
          onSave={(apiKey, allow, testFirst) => onSave(step.provider, apiKey, allow, testFirst)}
          {...(initialProvider ? {} : { onBack: () => setStep({ name: 'choose' }) })}
        />
      ) : null}
      {step.name === 'result' ? <KeyResult keyView={step.key} onDone={onClose} onRetry={() => setStep({ name: 'paste', provider: step.provider })} /> : null}
    </Dialog>
  );
}

import { createContext, type ReactNode, useCallback, useContext, useMemo, useRef, useState } from 'react';

export type ToastKind = 'success' | 'error' | 'info';

interface Toast {
  id: number;
  kind: ToastKind;
  text: string;
}

type Notify = (kind: ToastKind, text: string) => void;

const ToastContext = createContext<Notify>(() => undefined);

/** Long enough to read a sentence twice; errors stay until dismissed or replaced. */
const VISIBLE_MS = 6000;
const MAX_TOASTS = 4;

/**
 * Outcome messages. Two live regions, present from the first render so screen readers announce
 * what is added: errors assertively, everything else politely.
 */
export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);

  const dismiss = useCallback((id: number) => setToasts((list) => list.filter((t) => t.id !== id)), []);
  const notify = useCallback<Notify>(
    (kind, text) => {
      const id = nextId.current++;
      setToasts((list) => [...list.filter((t) => t.text !== text), { id, kind, text }].slice(-MAX_TOASTS));
      if (kind !== 'error') setTimeout(() => dismiss(id), VISIBLE_MS);
    },
    [dismiss],
  );

  const value = useMemo(() => notify, [notify]);
  const region = (kinds: ToastKind[]) =>
    toasts
      .filter((t) => kinds.includes(t.kind))
      .map((t) => (
        <div key={t.id} className={`toast toast-${t.kind}`} data-testid="toast">
          <span>{t.text}</span>
          <button type="button" className="toast-close" aria-label="Dismiss message" onClick={() => dismiss(t.id)}>
            ×
          </button>
        </div>
      ));

  return (
    <ToastContext.Provider value={value}>
      {children}
      <div className="toasts">
        <div role="alert" aria-live="assertive" aria-atomic="false">
          {region(['error'])}
        </div>
        <div role="status" aria-live="polite" aria-atomic="false">
          {region(['success', 'info'])}
        </div>
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): Notify {
  return useContext(ToastContext);
}

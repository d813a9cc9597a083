import { useCallback, useEffect, useRef, useState } from 'react';
import type { AuditPage, AuditRecord } from '../api/types.js';

export interface AuditPages {
  items: AuditRecord[];
  /** The next (older) page's cursor; null on the last page. */
  cursor: string | null;
  /** `loading`: the first page; `more`: an older one. */
  state: 'loading' | 'idle' | 'more';
  /** What the last read threw (an ApiError carries the status and code), or null. */
  error: unknown;
  loadOlder: () => void;
  /** Reads again what failed: the older page when some are shown, else the first. */
  retry: () => void;
}

/**
 * A trail read one cursor page at a time, newest first. A new `readPage` (other filters, another
 * org) starts again from the first page, and answers for the one it replaced are dropped.
 */
export function useAuditPages(readPage: (cursor: string | null) => Promise<AuditPage>): AuditPages {
  const [items, setItems] = useState<AuditRecord[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [state, setState] = useState<AuditPages['state']>('loading');
  const [error, setError] = useState<unknown>(null);
  const latest = useRef(0);

  const load = useCallback(
    async (from: string | null) => {
      const request = ++latest.current;
      setError(null);
      setState(from ? 'more' : 'loading');
      try {
        const page = await readPage(from);
        if (request !== latest.current) return;
        setItems((current) => (from ? [...current, ...page.items] : page.items));
        setCursor(page.next_cursor);
      } catch (err) {
        if (request === latest.current) setError(err);
      } finally {
        if (request === latest.current) setState('idle');
      }
    },
    [readPage],
  );

  useEffect(() => {
    setItems([]);
    setCursor(null);
    void load(null);
  }, [load]);

  return {
    items,
    cursor,
    state,
    error,
    loadOlder: () => void load(cursor),
    retry: () => void load(items.length > 0 ? cursor : null),
  };
}

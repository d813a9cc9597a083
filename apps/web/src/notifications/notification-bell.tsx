import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { messageOf } from '../api/http.js';
import { useApp } from '../app/app-context.js';
import { ErrorNotice } from '../ui/feedback.js';
import { NotificationList } from './notification-list.js';
import { type NotificationItem, type NotificationPage, notificationsApi } from './notifications-api.js';

/** How often the unread count is refreshed while the page is open. */
const REFRESH_MS = 30_000;

/** How long a link's target may take to appear: the view it opens loads its list first. */
const REVEAL_WITHIN_MS = 3000;

/** Brings the element a link's `#fragment` names into view (history navigation does not scroll). */
function revealFragment(link: string): void {
  const fragment = link.split('#')[1];
  if (!fragment) return;
  const id = decodeURIComponent(fragment);
  const deadline = Date.now() + REVEAL_WITHIN_MS;
  const look = () => {
    const target = document.getElementById(id);
    if (target) target.scrollIntoView({ block: 'center' });
    else if (Date.now() < deadline) setTimeout(look, 100);
  };
  // After the view has rendered (and, when it loads its list, once the list is there).
  requestAnimationFrame(look);
}

/**
 * The header's bell: the unread count on the button, and a panel with the latest notifications,
 * each linking to the key it is about, with "mark read" and "mark all read".
 */
export function NotificationBell() {
  const { client } = useApp();
  const api = useMemo(() => notificationsApi(client), [client]);
  const panelId = useId();
  const [open, setOpen] = useState(false);
  const [page, setPage] = useState<NotificationPage | null>(null);
  const [error, setError] = useState<string | null>(null);
  const root = useRef<HTMLDivElement>(null);

  const load = useCallback(async () => {
    try {
      setPage(await api.list({ limit: 20 }));
      setError(null);
    } catch (e) {
      setError(messageOf(e));
    }
  }, [api]);

  useEffect(() => {
    void load();
    const timer = setInterval(() => void load(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [load]);

  useEffect(() => {
    if (!open) return;
    const close = (event: Event) => {
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', close);
    document.addEventListener('mousedown', close);
    return () => {
      document.removeEventListener('keydown', close);
      document.removeEventListener('mousedown', close);
    };
  }, [open]);

  async function markRead(item: NotificationItem) {
    try {
      await api.markRead(item.id);
    } catch (e) {
      setError(messageOf(e));
    }
    await load();
  }

  async function markAllRead() {
    try {
      await api.markAllRead();
    } catch (e) {
      setError(messageOf(e));
    }
    await load();
  }

  function openItem(item: NotificationItem) {
    setOpen(false);
    revealFragment(item.link);
    if (!item.read_at) void markRead(item);
  }

  const unread = page?.unread_count ?? 0;
  const label = unread === 0 ? 'Notifications, none unread' : `Notifications, ${unread} unread`;
  return (
    <div className="notification-bell" ref={root}>
      <button
        type="button"
        className="button button-quiet bell-button"
        aria-label={label}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => {
          if (!open) void load();
          setOpen(!open);
        }}
      >
        <span aria-hidden="true">🔔</span>
        {unread > 0 ? (
          <span className="bell-count" data-testid="unread-count" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        ) : null}
      </button>
      {open ? (
        <section id={panelId} className="notification-panel card" aria-label="Notifications">
          <header className="notification-panel-head">
            <h2>Notifications</h2>
            <button type="button" className="button button-quiet button-small" onClick={() => void markAllRead()} disabled={unread === 0}>
              Mark all read
            </button>
          </header>
          {error ? <ErrorNotice message={error} /> : null}
          {page ? <NotificationList items={page.notifications} onOpen={openItem} onMarkRead={(item) => void markRead(item)} /> : null}
        </section>
      ) : null}
    </div>
  );
}

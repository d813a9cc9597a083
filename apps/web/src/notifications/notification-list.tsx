import { Link, safeLocalPath } from '../app/router.js';
import { formatDateTime } from '../ui/format.js';
import type { NotificationItem } from './notifications-api.js';

interface NotificationListProps {
  items: NotificationItem[];
  onOpen: (item: NotificationItem) => void;
  onMarkRead: (item: NotificationItem) => void;
}

/** The bell's list: what happened, what to do, a link to the key it is about, and a mark-read button per unread item. */
export function NotificationList({ items, onOpen, onMarkRead }: NotificationListProps) {
  if (items.length === 0) return <p className="muted small notification-empty">No notifications yet. Problems with your keys will show up here.</p>;
  return (
    <ul className="notification-list">
      {items.map((item) => (
        <li key={item.id} className={item.read_at ? 'notification read' : 'notification unread'} data-notification-id={item.id}>
          <Link href={safeLocalPath(item.link)} className="notification-title" onClick={() => onOpen(item)}>
            {item.title}
          </Link>
          <p className="small">{item.message}</p>
          <p className="small">
            <strong>What to do:</strong> {item.action}
          </p>
          <div className="notification-meta">
            <time className="muted small" dateTime={item.created_at}>
              {formatDateTime(item.created_at)}
            </time>
            {item.read_at ? null : (
              <button type="button" className="button button-quiet button-small" onClick={() => onMarkRead(item)}>
                Mark read
              </button>
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}

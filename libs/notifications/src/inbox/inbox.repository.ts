import type { EntityManager } from '@byok/db';
import type { NotificationEventType, NotificationSubject } from '../event.js';

/** One row of the page's list. */
export interface InboxItem {
  id: string;
  type: NotificationEventType;
  title: string;
  message: string;
  action: string;
  link: string;
  subject: NotificationSubject;
  createdAt: Date;
  readAt: Date | null;
}

/** Position after the last item of a page: newest first, ties broken by id. */
export interface InboxCursor {
  createdAt: string;
  id: string;
}

export interface InboxPage {
  items: InboxItem[];
  next: InboxCursor | null;
  unreadCount: number;
}

interface RawItem {
  id: string;
  type: NotificationEventType;
  title: string;
  message: string;
  action: string;
  link: string;
  subject: NotificationSubject;
  created_at: Date | string;
  read_at: Date | string | null;
}

function toItem(row: RawItem): InboxItem {
  return {
    id: row.id,
    type: row.type,
    title: row.title,
    message: row.message,
    action: row.action,
    link: row.link,
    subject: row.subject,
    createdAt: new Date(row.created_at),
    readAt: row.read_at === null ? null : new Date(row.read_at),
  };
}

/** A page of one user's notifications, newest first, with the user's unread count. */
export async function listInbox(em: EntityManager, userId: string, options: { unreadOnly: boolean; limit: number; cursor?: InboxCursor }): Promise<InboxPage> {
  const params: unknown[] = [userId];
  let where = 'user_id = ?';
  if (options.unreadOnly) where += ' AND read_at IS NULL';
  if (options.cursor) {
    where += ' AND (created_at, id) < (?::timestamptz, ?::uuid)';
    params.push(options.cursor.createdAt, options.cursor.id);
  }
  const rows = await em.execute<RawItem[]>(
    `SELECT id, type, title, message, action, link, subject, created_at, read_at FROM notifications WHERE ${where}
     ORDER BY created_at DESC, id DESC LIMIT ?`,
    [...params, options.limit + 1],
  );
  const items = rows.slice(0, options.limit).map(toItem);
  const last = items.at(-1);
  const next = rows.length > options.limit && last ? { createdAt: last.createdAt.toISOString(), id: last.id } : null;
  return { items, next, unreadCount: await countUnread(em, userId) };
}

export async function countUnread(em: EntityManager, userId: string): Promise<number> {
  const rows = await em.execute<Array<{ n: number }>>('SELECT count(*)::int AS n FROM notifications WHERE user_id = ? AND read_at IS NULL', [userId]);
  return rows[0]?.n ?? 0;
}

/** Marks one of the user's notifications read; null when the user has no notification with this id. */
export async function markRead(em: EntityManager, userId: string, id: string): Promise<InboxItem | null> {
  const rows = await em.execute<RawItem[]>(
    `UPDATE notifications SET read_at = COALESCE(read_at, now()) WHERE id = ? AND user_id = ?
     RETURNING id, type, title, message, action, link, subject, created_at, read_at`,
    [id, userId],
  );
  return rows[0] ? toItem(rows[0]) : null;
}

/** Marks every unread notification of the user read; returns how many changed. */
export async function markAllRead(em: EntityManager, userId: string): Promise<number> {
  const rows = await em.execute<Array<{ id: string }>>('UPDATE notifications SET read_at = now() WHERE user_id = ? AND read_at IS NULL RETURNING id', [userId]);
  return rows.length;
}

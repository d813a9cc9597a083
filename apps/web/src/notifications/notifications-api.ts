import type { ApiClient } from '../api/http.js';

/** One notification as `GET /api/v1/notifications` lists it. */
export interface NotificationItem {
  id: string;
  type: string;
  title: string;
  message: string;
  action: string;
  /** A path in this page, e.g. `/account/api-keys#key-<key id>` or `/account/budgets#budget-<budget id>`. */
  link: string;
  created_at: string;
  read_at: string | null;
}

export interface NotificationPage {
  notifications: NotificationItem[];
  unread_count: number;
  next_cursor: string | null;
}

/** The notification routes as typed calls. */
export function notificationsApi(client: ApiClient) {
  return {
    list: (options: { unread?: boolean; limit?: number } = {}) =>
      client.get<NotificationPage>(`/api/v1/notifications?limit=${options.limit ?? 20}${options.unread ? '&unread=true' : ''}`),
    markRead: (id: string) => client.post<NotificationItem>(`/api/v1/notifications/${encodeURIComponent(id)}/read`),
    markAllRead: () => client.post<{ marked: number }>('/api/v1/notifications/read-all'),
  };
}

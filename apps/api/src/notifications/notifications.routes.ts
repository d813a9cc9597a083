import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { notFound } from '@byok/http';
import { type InboxItem, listInbox, markAllRead, markRead, type NotificationSubject, readPreferences, updatePreferences } from '@byok/notifications';
import Type from 'typebox';
import { decodeNotificationCursor, encodeNotificationCursor } from './notification-cursor.js';
import { NotificationList, NotificationListQuery, NotificationView, PreferencesUpdate, PreferencesView } from './notifications.schemas.js';

function subjectView(subject: NotificationSubject) {
  switch (subject.kind) {
    case 'key':
      return { kind: 'key' as const, key_id: subject.keyId, provider: subject.provider, label: subject.label };
    case 'budget':
      return { kind: 'budget' as const, budget_id: subject.budgetId };
    case 'account':
      return { kind: 'account' as const };
  }
}

function toView(item: InboxItem) {
  return {
    id: item.id,
    type: item.type,
    title: item.title,
    message: item.message,
    action: item.action,
    link: item.link,
    subject: subjectView(item.subject),
    created_at: item.createdAt.toISOString(),
    read_at: item.readAt === null ? null : item.readAt.toISOString(),
  };
}

const errors = { 400: { $ref: 'ErrorBody' }, 401: { $ref: 'ErrorBody' }, 503: { $ref: 'ErrorBody' } } as const;

/** The signed-in user's notifications (the page's bell) and notification preferences, under /api/v1. */
export const notificationsRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.addHook('onRequest', app.authenticate);
  app.addSchema(NotificationView);
  app.addSchema(PreferencesView);

  app.get('/notifications', {
    schema: {
      tags: ['notifications'],
      summary: 'Your notifications, newest first',
      description: 'Pages of at most `limit`; `unread=true` lists only unread ones. `unread_count` counts all your unread notifications, for the bell.',
      querystring: NotificationListQuery,
      response: { 200: NotificationList, ...errors },
    },
    handler: async (request) => {
      const { unread, cursor, limit } = request.query;
      const page = await listInbox(request.em, request.principal.userId, {
        unreadOnly: unread === true,
        limit: limit ?? 20,
        ...(cursor === undefined ? {} : { cursor: decodeNotificationCursor(cursor) }),
      });
      return { notifications: page.items.map(toView), unread_count: page.unreadCount, next_cursor: page.next ? encodeNotificationCursor(page.next) : null };
    },
  });

  app.post('/notifications/:id/read', {
    schema: {
      tags: ['notifications'],
      summary: 'Mark one notification read',
      description: 'Idempotent: marking a read notification again keeps its first `read_at`. Another user\'s notification is 404.',
      params: Type.Object({ id: Type.String({ format: 'uuid' }) }),
      response: { 200: NotificationView, ...errors, 404: { $ref: 'ErrorBody' } },
    },
    handler: async (request) => {
      const item = await markRead(request.em, request.principal.userId, request.params.id);
      if (item === null) throw notFound('Notification');
      return toView(item);
    },
  });

  app.post('/notifications/read-all', {
    schema: {
      tags: ['notifications'],
      summary: 'Mark all your notifications read',
      response: { 200: Type.Object({ marked: Type.Integer({ minimum: 0, description: 'How many were unread.' }) }), ...errors },
    },
    handler: async (request) => ({ marked: await markAllRead(request.em, request.principal.userId) }),
  });

  app.get('/notifications/preferences', {
    schema: { tags: ['notifications'], summary: 'Which events reach you by which channel', response: { 200: PreferencesView, ...errors } },
    handler: async (request) => ({ events: await readPreferences(request.em, request.principal.userId) }),
  });

  app.put('/notifications/preferences', {
    schema: {
      tags: ['notifications'],
      summary: 'Change which events reach you by which channel',
      description: 'Send only what changes, e.g. `{"events":{"key_rotation_due":{"email":true}}}`; the answer is the full result.',
      body: PreferencesUpdate,
      response: { 200: PreferencesView, ...errors },
    },
    handler: async (request) => ({ events: await updatePreferences(request.em, request.principal.userId, request.body.events) }),
  });
};

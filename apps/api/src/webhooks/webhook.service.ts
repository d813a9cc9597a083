import { randomUUID } from 'node:crypto';
import { appendAudit, type EntityManager } from '@byok/db';
import { AppError, notFound } from '@byok/http';
import type { NotificationEvent } from '@byok/notifications';
import {
  checkWebhookUrl,
  DeliveryInProgressError,
  deleteWebhook,
  findDelivery,
  findWebhook,
  generateWebhookSecret,
  insertWebhook,
  listDeliveries,
  listWebhooks,
  lockAndCountWebhooks,
  updateWebhook,
  type DeliveryRow,
  type WebhookChannel,
  type WebhookRow,
  type WebhookUrlRules,
} from '@byok/notifications/webhooks';
import { decodeDeliveryCursor, encodeDeliveryCursor } from './delivery-cursor.js';
import type { Actor } from '../http/actor.js';
import type { FixedWindowLimiter } from '../http/fixed-window-limiter.js';

/** Most webhooks one user may have: each one multiplies the deliveries an event causes. */
export const MAX_WEBHOOKS_PER_USER = 20;

/** Test events per webhook per minute: each is an outbound request the caller chooses the target of. */
export const WEBHOOK_TESTS_PER_MINUTE = 5;

export interface WebhookServiceDeps {
  /** Encrypts signing secrets (the configured keyring). */
  keyring: { encrypt(plaintext: string): string };
  channel: WebhookChannel;
  urlRules: WebhookUrlRules;
  /** Most webhooks one user may have (`MAX_WEBHOOKS_PER_USER`; tests may lower it). */
  maxPerUser: number;
  /** Test events per webhook (`WEBHOOK_TESTS_PER_MINUTE`), shared by every API instance. */
  testLimiter: FixedWindowLimiter;
}

/**
 * An owner's webhooks: saved with a signing secret shown once, changed and deleted with an audit
 * record in the same transaction, and their delivery logs. Every lookup is by owner and id, so
 * another user's webhook or delivery is a 404, never a 403 that would confirm it exists.
 */
export function createWebhookService(deps: WebhookServiceDeps) {
  function validUrl(raw: string): string {
    const checked = checkWebhookUrl(raw, deps.urlRules);
    if ('url' in checked) return checked.url;
    throw new AppError('validation_failed', `body/url: ${checked.problem}`, { details: [{ path: 'body/url', message: checked.problem }] });
  }

  async function ownWebhook(em: EntityManager, userId: string, id: string): Promise<WebhookRow> {
    const webhook = await findWebhook(em, userId, id);
    if (!webhook) throw notFound('Webhook');
    return webhook;
  }

  return {
    async create(em: EntityManager, actor: Actor, userId: string, input: { url: string; events: string[]; enabled?: boolean }): Promise<{ webhook: WebhookRow; secret: string }> {
      const url = validUrl(input.url);
      const secret = generateWebhookSecret();
      const webhook = await em.transactional(async (tx) => {
        if ((await lockAndCountWebhooks(tx, userId)) >= deps.maxPerUser) {
          throw new AppError('conflict', `You already have ${deps.maxPerUser} webhooks, the most allowed; delete one you no longer use first`);
        }
        const row = await insertWebhook(tx, { userId, url, events: input.events, enabled: input.enabled ?? true, secretEncrypted: deps.keyring.encrypt(secret) });
        await appendAudit(tx, { ...actor, action: 'webhook.created', subjectUserId: userId, details: auditDetails(row) });
        return row;
      });
      return { webhook, secret };
    },

    list: (em: EntityManager, userId: string) => listWebhooks(em, userId),

    get: (em: EntityManager, userId: string, id: string) => ownWebhook(em, userId, id),

    async update(em: EntityManager, actor: Actor, userId: string, id: string, patch: { url?: string; events?: string[]; enabled?: boolean }): Promise<WebhookRow> {
      if (patch.url === undefined && patch.events === undefined && patch.enabled === undefined) {
        await ownWebhook(em, userId, id);
        const message = 'name at least one of url, events, enabled';
        throw new AppError('validation_failed', `body: ${message}`, { details: [{ path: 'body', message }] });
      }
      const changes = { ...patch, ...(patch.url !== undefined ? { url: validUrl(patch.url) } : {}) };
      const updated = await em.transactional(async (tx) => {
        const row = await updateWebhook(tx, userId, id, changes);
        if (row) await appendAudit(tx, { ...actor, action: 'webhook.updated', subjectUserId: userId, details: { ...auditDetails(row), changed: Object.keys(patch).sort() } });
        return row;
      });
      if (!updated) throw notFound('Webhook');
      return updated;
    },

    async remove(em: EntityManager, actor: Actor, userId: string, id: string): Promise<void> {
      const deleted = await em.transactional(async (tx) => {
        const row = await deleteWebhook(tx, userId, id);
        if (row) await appendAudit(tx, { ...actor, action: 'webhook.deleted', subjectUserId: userId, details: auditDetails(row) });
        return row;
      });
      if (!deleted) throw notFound('Webhook');
    },

    async deliveries(em: EntityManager, userId: string, id: string, page: { cursor?: string; limit: number }): Promise<{ deliveries: DeliveryRow[]; nextCursor: string | null }> {
      await ownWebhook(em, userId, id);
      const after = page.cursor !== undefined ? decodeDeliveryCursor(page.cursor) : undefined;
      // One more than asked tells whether another page follows without a count.
      const rows = await listDeliveries(em, id, { ...(after ? { after } : {}), limit: page.limit + 1 });
      const deliveries = rows.slice(0, page.limit);
      const last = deliveries.at(-1);
      return { deliveries, nextCursor: rows.length > page.limit && last ? encodeDeliveryCursor(last) : null };
    },

    async redeliver(em: EntityManager, userId: string, id: string, deliveryId: string): Promise<DeliveryRow> {
      await ownWebhook(em, userId, id);
      try {
        const reopened = await deps.channel.redeliver(em, id, deliveryId);
        if (!reopened) throw notFound('Delivery');
        return reopened;
      } catch (error) {
        if (error instanceof DeliveryInProgressError) throw new AppError('conflict', error.message);
        throw error;
      }
    },

    /**
     * Queues a `test` event to the webhook, whatever it subscribes to; returns its delivery. Past
     * the webhook's tests per minute, 429; a webhook that is not the caller's (404) or is disabled
     * (409) spends nothing.
     */
    async sendTest(em: EntityManager, userId: string, id: string): Promise<DeliveryRow> {
      const webhook = await ownWebhook(em, userId, id);
      if (!webhook.enabled) throw new AppError('conflict', 'The webhook is disabled; enable it to send a test event');
      const retryAfterSeconds = await deps.testLimiter.take(id);
      if (retryAfterSeconds !== null) {
        throw new AppError('rate_limited', `Too many test events for this webhook: at most ${deps.testLimiter.perMinute} per minute. Try again in ${retryAfterSeconds} s.`, { retryAfterSeconds });
      }
      const deliveryId = await deps.channel.enqueueTo(em, id, testEvent(userId));
      const delivery = deliveryId ? await findDelivery(em, id, deliveryId) : null;
      // A fresh event id cannot collide with an existing delivery; reaching this is a bug.
      if (!delivery) throw new Error('the test delivery was not recorded');
      return delivery;
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;

/** What the audit log says about a webhook: its receiver's origin only (a path or query may hold the receiver's token). */
function auditDetails(row: WebhookRow): Record<string, unknown> {
  return { webhook_id: row.id, url_origin: new URL(row.url).origin, events: row.events, enabled: row.enabled };
}

function testEvent(userId: string): NotificationEvent {
  return {
    id: `test_${randomUUID()}`,
    type: 'test',
    userId,
    occurredAt: new Date().toISOString(),
    subject: { kind: 'account' },
    title: 'Test event',
    message: 'A test delivery from BYOK Gateway, sent because you asked for one.',
    action: 'Nothing to do: check that your receiver verified the signature and answered 2xx.',
    link: '/',
  };
}

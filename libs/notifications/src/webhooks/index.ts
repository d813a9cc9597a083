/**
 * @byok/notifications/webhooks: the webhook channel. Producers (the notifier, the API's "send a
 * test event" and redeliver) use `createWebhookChannel`; the notifier process runs
 * `startWebhookDeliveryWorker`. The API's routes use the repositories and `checkWebhookUrl`.
 */
export { createWebhookChannel, DeliveryInProgressError, type WebhookChannel, type WebhookChannelDeps } from './webhook-channel.js';
export { startWebhookDeliveryWorker, type WebhookDeliveryWorkerDeps } from './delivery-worker.js';
export { checkWebhookUrl, MAX_WEBHOOK_URL_LENGTH, type WebhookUrlRules } from './webhook-url.js';
export { generateWebhookSecret, signWebhookBody, WEBHOOK_SECRET_PREFIX } from './webhook-signature.js';
export { forbiddenAddressReason } from './outbound-address.js';
export { createOutboundAgent, WebhookAddressRefusedError, type AddressPolicy, type ResolveHost } from './outbound-agent.js';
export { postWebhook, RESPONSE_EXCERPT_BYTES, type SendOutcome } from './webhook-sender.js';
export { DEFAULT_RETRY_SCHEDULE, type RetrySchedule } from './retry-schedule.js';
export { rotateWebhookSecrets, type WebhookSecretRotation } from './rotate-webhook-secrets.js';
export * from './webhooks.repository.js';
export {
  DELIVERY_STATUSES,
  findDelivery,
  listDeliveries,
  type DeliveryPosition,
  type DeliveryRow,
  type DeliveryStatus,
} from './webhook-deliveries.repository.js';

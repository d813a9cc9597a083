import { keyEventDraft, type NotificationChannel, type NotificationEvent, updatePreferences, webhookChannel } from '@byok/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotifierHarness, sleep, startNotifierHarness, waitUntil } from './support/notifier-harness.js';

/**
 * The webhook work's enqueuer stands in here as a recorder: it fails its first `failures` calls
 * (the job is then retried) and, like the real one, is idempotent per event id.
 */
function recordingWebhooks(failures: number) {
  const received: NotificationEvent[] = [];
  const calls: string[] = [];
  let toFail = failures;
  return {
    received,
    calls,
    enqueuer: {
      async subscribedOwners(events: readonly NotificationEvent[]) {
        return new Set(events.map((e) => e.userId));
      },
      async enqueueFor(event: NotificationEvent) {
        calls.push(event.id);
        if (toFail > 0) {
          toFail--;
          throw new Error('webhook store unavailable (test)');
        }
        if (!received.some((e) => e.id === event.id)) received.push(event);
      },
    },
  };
}

describe('channels beyond the page', () => {
  let h: NotifierHarness;
  const webhooks = recordingWebhooks(1);
  beforeAll(async () => {
    h = await startNotifierHarness('notify_channels');
    const channel: NotificationChannel = webhookChannel(webhooks.enqueuer);
    await h.startNotifier({ extraChannels: [channel] });
  });
  afterAll(async () => {
    await h.close();
  });

  it('get the events their owners chose, and a failing channel retries without a second page row', { timeout: 60_000 }, async () => {
    await updatePreferences(h.runtime.orm.em.fork(), 'hooks-quiet', { key_invalid: { webhook: false } });
    const loud = await h.insertKey({ userId: 'hooks-loud', provider: 'openai' });
    const quiet = await h.insertKey({ userId: 'hooks-quiet', provider: 'openai' });
    const [loudEvent, quietEvent] = await h.emit([keyEventDraft('key_invalid', loud), keyEventDraft('key_invalid', quiet)]);
    // The first attempt fails in the webhook channel (after the page took both); the retry (1 s backoff) succeeds.
    await waitUntil(() => webhooks.received.length === 1, 30_000, 'the webhook delivery after the retry');
    await sleep(1500);
    expect(webhooks.received.map((e) => e.id)).toEqual([loudEvent?.id]);
    expect(webhooks.calls.filter((id) => id === quietEvent?.id)).toEqual([]);
    expect(webhooks.calls.filter((id) => id === loudEvent?.id).length).toBe(2);
    expect((await h.inPage()).map((n) => n.id).sort()).toEqual([loudEvent?.id, quietEvent?.id].sort());
    // What the webhook receives is the event as emitted: provider and label, never key text.
    expect(webhooks.received[0]).toMatchObject({ type: 'key_invalid', userId: 'hooks-loud', subject: { kind: 'key', keyId: loud.keyId, provider: 'openai', label: 'work' } });
    expect(JSON.stringify(webhooks.received)).not.toContain('stand-in-token-not-a-key');
  });
});

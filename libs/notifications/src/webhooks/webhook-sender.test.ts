import { Agent } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { postWebhook } from './webhook-sender.js';

describe('postWebhook', () => {
  const dispatcher = new Agent();
  afterAll(() => dispatcher.close());

  it('refuses an http URL in production without connecting', async () => {
    // Port 9 (discard) on a documentation address: a connection attempt would fail differently.
    const outcome = await postWebhook({ url: 'http://192.0.2.1:9/hook', body: '{}', headers: {} }, { dispatcher, timeoutMs: 1_000, httpsOnly: true });
    expect(outcome).toEqual({ kind: 'refused', error: 'refused: webhooks must use https in production' });
  });
});

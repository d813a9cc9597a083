import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signWebhookBody } from '@byok/notifications/webhooks';
import { startReceiver, type Receiver } from './support/receiver.js';
import { startWebhookHarness, type WebhookHarness } from './support/webhook-harness.js';

type Verify = (secret: string, rawBody: string, header: string, toleranceSeconds?: number) => boolean;

/** The README's verification recipe, exactly as printed there, loaded as a module. */
async function loadReadmeRecipe(dir: string): Promise<Verify> {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const block = readme.split('<!-- webhook-verify:start -->')[1]?.split('<!-- webhook-verify:end -->')[0];
  const code = block?.match(/```js\n([\s\S]*?)```/)?.[1];
  if (!code) throw new Error('README.md has no webhook verification recipe between its markers');
  const file = join(dir, 'verify.mjs');
  writeFileSync(file, code);
  return ((await import(pathToFileURL(file).href)) as { verifyByokSignature: Verify }).verifyByokSignature;
}

describe("the README's signature recipe", () => {
  let h: WebhookHarness;
  let receiver: Receiver;
  let dir: string;
  let verify: Verify;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'byok-recipe-'));
    verify = await loadReadmeRecipe(dir);
    receiver = await startReceiver();
    h = await startWebhookHarness('webhooks_recipe', { allowPrivate: true });
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies a real delivery with the secret shown at creation, and nothing else', async () => {
    const hook = await h.createWebhook({ userId: 'alice', url: receiver.url });
    await h.channel.enqueueFor(h.event('alice'));
    await h.waitFor(hook.id, (rows) => rows[0]?.status === 'delivered');
    const [delivery] = receiver.received;
    const header = String(delivery?.headers['x-byok-signature']);
    const body = delivery?.rawBody ?? '';

    expect(verify(hook.secret, body, header)).toBe(true);
    expect(verify(hook.secret, body.replace('"key_invalid"', '"key_recovered"'), header)).toBe(false);
    expect(verify(`${hook.secret}x`, body, header)).toBe(false);
    expect(verify(hook.secret, body, header.replace(/v1=[0-9a-f]{4}/, 'v1=0000'))).toBe(false);
    expect(verify(hook.secret, body, 'v1=abc')).toBe(false);
    // As many characters as a signature but more bytes (timingSafeEqual throws on buffers of unequal length): refused, not thrown.
    expect(verify(hook.secret, body, `t=${Math.floor(Date.now() / 1000)},v1=${'é'.repeat(64)}`)).toBe(false);
    // A correct signature made an hour ago (a replayed delivery) is refused by the 5-minute tolerance.
    expect(verify(hook.secret, body, signWebhookBody(hook.secret, body, Date.now() / 1000 - 3600))).toBe(false);
    expect(verify(hook.secret, body, signWebhookBody(hook.secret, body, Date.now() / 1000))).toBe(true);
  });
});

import { lookup } from 'node:dns/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkWebhookUrl, forbiddenAddressReason, RESPONSE_EXCERPT_BYTES } from '@byok/notifications/webhooks';
import { startReceiver, type Receiver } from '../webhooks/support/receiver.js';
import { startWebhookHarness, type WebhookHarness } from '../webhooks/support/webhook-harness.js';

/**
 * With WEBHOOK_ALLOW_PRIVATE unset, the receiver below (on loopback) is exactly what must never be
 * reached. The URLs are written straight into the table: the API refuses most of them at creation,
 * but a name can point anywhere later, so the check that counts is the one at connect time.
 */
describe('webhook outbound address rules (WEBHOOK_ALLOW_PRIVATE unset)', () => {
  let h: WebhookHarness;
  let receiver: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    h = await startWebhookHarness('webhooks_outbound', {
      allowPrivate: false,
      // A stand-in for a hosts file: one name resolves to loopback alone, one to a public and a private address.
      outbound: {
        resolve: async (hostname) => {
          if (hostname === 'loopback.rebind.test') return [{ address: '127.0.0.1', family: 4 }];
          if (hostname === 'mixed.rebind.test') return [{ address: '93.184.215.14', family: 4 }, { address: '127.0.0.1', family: 4 }];
          if (hostname === 'metadata.rebind.test') return [{ address: '::ffff:169.254.169.254', family: 6 }];
          if (hostname.endsWith('.rebind.test')) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
          return lookup(hostname, { all: true });
        },
      },
    });
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
  });

  it.each([
    ['loopback IPv4', () => `http://127.0.0.1:${receiver.port}/hook`, /127\.0\.0\.1 is a loopback address/],
    ['loopback IPv6', () => `http://[::1]:${receiver.port}/hook`, /::1 is a loopback address/],
    ['IPv4-mapped loopback', () => `http://[::ffff:127.0.0.1]:${receiver.port}/hook`, /loopback/],
    // The URL parser writes [::127.0.0.1] as [::7f00:1]: deprecated IPv4-compatible IPv6, refused as a range.
    ['IPv4-compatible loopback', () => `http://[::127.0.0.1]:${receiver.port}/hook`, /::7f00:1 is an IPv4-compatible IPv6 address/],
    ['private 10/8', () => 'http://10.0.0.1:8080/hook', /10\.0\.0\.1 is a private address/],
    ['cloud metadata', () => 'http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a link-local \(cloud metadata\) address/],
    ['CGNAT', () => 'http://100.100.100.200/latest/meta-data/', /CGNAT/],
    ['a name resolving to 127.0.0.1 (hosts override)', () => `http://loopback.rebind.test:${receiver.port}/hook`, /loopback\.rebind\.test: 127\.0\.0\.1 is a loopback address/],
    ['a name with one private address among public ones', () => `http://mixed.rebind.test:${receiver.port}/hook`, /mixed\.rebind\.test: 127\.0\.0\.1 is a loopback/],
    ['a name resolving to a mapped metadata address', () => 'http://metadata.rebind.test/', /metadata/],
    ['localhost, resolved by the system', () => `http://localhost:${receiver.port}/hook`, /loopback/],
  ])('refuses %s without sending anything, and does not retry', async (name, url, reason) => {
    receiver.received.length = 0;
    const hook = await h.createWebhook({ userId: name, url: url() });
    await h.channel.enqueueFor(h.event(name));
    const [row] = await h.waitFor(hook.id, (rows) => rows[0]?.status === 'failed');
    expect(row?.lastError).toMatch(/^refused to connect/);
    expect(row?.lastError).toMatch(reason);
    expect(row).toMatchObject({ attempts: 1, lastResponseCode: null, nextAttemptAt: null });
    expect(receiver.received).toHaveLength(0);
  });

  it.each([
    ['http://127.0.0.1/', /loopback/],
    ['http://[::1]/', /loopback/],
    ['http://10.0.0.1/', /private/],
    ['http://169.254.169.254/', /metadata/],
    ['http://[::127.0.0.1]/', /IPv4-compatible/],
    ['http://localhost/', /localhost/],
    // The root's trailing dot names the same host.
    ['http://localhost./', /localhost/],
    ['http://hooks.localhost./', /localhost/],
  ])('refuses to save %s', (url, problem) => {
    const checked = checkWebhookUrl(url, { production: false, allowPrivate: false });
    expect('problem' in checked && checked.problem).toMatch(problem);
  });

  it('still reports a name that does not resolve as a network error, to be retried', async () => {
    const hook = await h.createWebhook({ userId: 'nowhere', url: 'http://nowhere.rebind.test/hook' });
    await h.channel.enqueueFor(h.event('nowhere'));
    const [row] = await h.waitFor(hook.id, (rows) => rows[0]?.status === 'retrying');
    expect(row?.lastError).toMatch(/ENOTFOUND/);
  });
});

describe('webhook redirects, timeouts and response bodies', () => {
  let h: WebhookHarness;
  let receiver: Receiver;
  let elsewhere: Receiver;
  beforeAll(async () => {
    receiver = await startReceiver();
    elsewhere = await startReceiver();
    h = await startWebhookHarness('webhooks_outbound_limits', {
      allowPrivate: false,
      timeoutMs: 600,
      // 127.0.0.1 plays a public receiver here; every other address keeps the production rule.
      // So a followed redirect to 127.0.0.1 would arrive, and a test that sees nothing arrive shows it was not followed.
      outbound: { addressPolicy: (address) => (address === '127.0.0.1' ? null : forbiddenAddressReason(address)) },
      retrySchedule: { firstDelayMs: 60_000, maxDelayMs: 60_000, windowMs: 3_600_000 },
    });
  });
  afterAll(async () => {
    await h?.close();
    await receiver?.close();
    await elsewhere?.close();
  });
  beforeEach(() => {
    receiver.received.length = 0;
    elsewhere.received.length = 0;
  });

  it.each([
    ['a reachable receiver', () => elsewhere.url],
    ['a loopback address', () => `http://[::1]:${elsewhere.port}/hook`],
    ['the metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
  ])('does not follow a redirect to %s: the 3xx is a failed attempt', async (name, location) => {
    receiver.handle((_req, res) => res.writeHead(302, { location: location() }).end());
    const hook = await h.createWebhook({ userId: name, url: receiver.url });
    await h.channel.enqueueFor(h.event(name));
    const [row] = await h.waitFor(hook.id, (rows) => rows[0]?.status === 'retrying');
    expect(row).toMatchObject({ attempts: 1, lastResponseCode: 302, lastError: 'the receiver answered 302 (redirects are not followed)' });
    expect(receiver.received).toHaveLength(1);
    expect(elsewhere.received).toHaveLength(0);
  });

  it('reads and keeps at most 1 KB of an answer, however much the receiver sends', async () => {
    // An answer that never ends: reading it through would run into the timeout instead of succeeding.
    receiver.handle((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const chunk = 'x'.repeat(16 * 1024);
      const timer = setInterval(() => res.write(chunk), 5);
      res.on('close', () => clearInterval(timer));
    });
    const hook = await h.createWebhook({ userId: 'judy', url: receiver.url });
    await h.channel.enqueueFor(h.event('judy'));
    const [row] = await h.waitFor(hook.id, (rows) => rows[0]?.status !== 'pending');
    expect(row?.status).toBe('delivered');
    expect(row?.lastResponseExcerpt).toBe('x'.repeat(RESPONSE_EXCERPT_BYTES));
  });

  it('keeps 1 KB of a long error answer too', async () => {
    receiver.handle((_req, res) => res.writeHead(500).end('e'.repeat(100_000)));
    const hook = await h.createWebhook({ userId: 'judy-errors', url: receiver.url });
    await h.channel.enqueueFor(h.event('judy-errors'));
    const [row] = await h.waitFor(hook.id, (rows) => rows[0]?.status === 'retrying');
    expect(row?.lastResponseExcerpt).toHaveLength(RESPONSE_EXCERPT_BYTES);
  });

  it.each([
    ['sends no headers', (res: import('node:http').ServerResponse) => void res],
    ['sends headers, then stalls in the body', (res: import('node:http').ServerResponse) => res.writeHead(200).write('partial')],
  ])('gives up on a receiver that %s once the timeout passes, and retries later', async (name, stall) => {
    receiver.handle((_req, res) => stall(res));
    const hook = await h.createWebhook({ userId: name, url: receiver.url });
    const started = Date.now();
    await h.channel.enqueueFor(h.event(name));
    const [row] = await h.waitFor(hook.id, (rows) => rows[0]?.status === 'retrying');
    expect(row?.lastError).toBe('timed out after 600 ms');
    expect(row?.nextAttemptAt).not.toBeNull();
    // Not the 5 s default nor a hang: the configured timeout ended it (generous bound for a loaded machine).
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

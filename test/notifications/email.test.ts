import { keyEventDraft, updatePreferences } from '@byok/notifications';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NotifierHarness, sleep, startNotifierHarness, waitUntil } from './support/notifier-harness.js';

describe('notification emails', () => {
  let h: NotifierHarness;
  beforeAll(async () => {
    // A 2 s digest window (NOTIFY_DIGEST_WINDOW_S in the harness) keeps the digest test short.
    h = await startNotifierHarness('notify_email');
    await h.startNotifier({ emailEveryMs: 100 });
  });
  afterAll(async () => {
    await h.close();
  });

  const emailsTo = (address: string) => h.smtp.received.filter((m) => m.to.includes(address));

  it('say what happened, to which key, and what to do, in plain text and HTML, with owner-written text escaped', async () => {
    const key = await h.insertKey({ userId: 'mail-user', provider: 'openai', label: '<script>alert(1)</script> & co' });
    await h.setEmail('mail-user', 'owner@example.test');
    const { id } = await h.emitKeyEvent('key_invalid', key);
    await waitUntil(() => emailsTo('owner@example.test').length === 1, 15_000, 'the email');
    const [mail] = emailsTo('owner@example.test');
    expect(mail?.subject).toBe('[BYOK Gateway] openai (<script>alert(1)</script> & co) key is invalid');
    expect(mail?.eventIds).toEqual([id]);
    expect(mail?.messageId).toMatch(/^<[0-9a-f]{40}@notifications\.byok-gateway>$/);
    expect(mail?.text).toContain('The provider refused your openai (<script>alert(1)</script> & co) key.');
    expect(mail?.text).toContain('What to do: Replace the key with a valid one, or delete it.');
    expect(mail?.text).toContain(`http://gateway.example.test/account/api-keys#key-${key.keyId}`);
    expect(mail?.html).toContain('openai (&lt;script&gt;alert(1)&lt;/script&gt; &amp; co) key is invalid');
    expect(mail?.html).not.toContain('<script>');
    expect(mail?.html).toContain(`href="http://gateway.example.test/account/api-keys#key-${key.keyId}"`);
    expect(mail?.raw).not.toContain('stand-in-token-not-a-key');
    // The sent marker commits right after the server's acceptance.
    await waitUntil(async () => (await h.db.sql('SELECT 1 FROM notification_emails WHERE event_id = $1 AND sent_at IS NOT NULL', [id])).length === 1, 5000, 'the sent marker');
  });

  it('send a burst of events to one owner as one digest after the first', async () => {
    await h.setEmail('burst-user', 'burst@example.test');
    const keys = await Promise.all(['openai', 'groq', 'mistral', 'anthropic'].map((provider) => h.insertKey({ userId: 'burst-user', provider })));
    const [first, ...rest] = keys;
    if (!first) throw new Error('no key');
    await h.emitKeyEvent('key_invalid', first);
    await waitUntil(() => emailsTo('burst@example.test').length === 1, 15_000, 'the first email');
    const later = await h.emit(rest.map((key) => keyEventDraft('key_no_credit', key)));
    await waitUntil(() => emailsTo('burst@example.test').length === 2, 15_000, 'the digest');
    const digest = emailsTo('burst@example.test')[1];
    expect(digest?.subject).toBe('[BYOK Gateway] 3 notifications');
    expect(new Set(digest?.eventIds)).toEqual(new Set(later.map((e) => e.id)));
    expect(digest?.text).toContain('3 things happened to your keys and budgets');
    for (const provider of ['groq', 'mistral', 'anthropic']) expect(digest?.text).toContain(`${provider} (work) key is out of credit`);
    await sleep(2500);
    expect(emailsTo('burst@example.test')).toHaveLength(2);
  });

  it('honour preferences: no email for a type turned off, none without an address, no page entry when the page is off', async () => {
    await h.setEmail('prefs-user', 'prefs@example.test');
    await updatePreferences(h.runtime.orm.em.fork(), 'prefs-user', { key_invalid: { email: false }, key_no_credit: { in_page: false } });
    const key = await h.insertKey({ userId: 'prefs-user', provider: 'openai' });
    const silentKey = await h.insertKey({ userId: 'no-address-user', provider: 'openai' });
    const [invalid, noCredit, noAddress, recovered] = await h.emit([
      keyEventDraft('key_invalid', key),
      keyEventDraft('key_no_credit', key),
      keyEventDraft('key_invalid', silentKey),
      // Not an email event by default.
      keyEventDraft('key_recovered', key),
    ]);
    await waitUntil(async () => (await h.inPage('prefs-user')).length === 2 && (await h.inPage('no-address-user')).length === 1, 15_000, 'the page entries');
    await waitUntil(() => emailsTo('prefs@example.test').length === 1, 15_000, 'the no-credit email');
    await sleep(2500);
    expect(emailsTo('prefs@example.test').map((m) => m.eventIds)).toEqual([[noCredit?.id]]);
    expect((await h.inPage('prefs-user')).map((n) => n.id).sort()).toEqual([invalid?.id, recovered?.id].sort());
    expect(await h.db.sql('SELECT event_id FROM notification_emails WHERE event_id = ANY($1::uuid[])', [[invalid?.id, noAddress?.id, recovered?.id]])).toEqual([]);
  });

  it('stop retrying an address the mail server refuses, and keep sending to everyone else', async () => {
    h.smtp.refused.add('gone@example.test');
    await h.setEmail('gone-user', 'gone@example.test');
    await h.setEmail('fine-user', 'fine@example.test');
    const gone = await h.insertKey({ userId: 'gone-user' });
    const fine = await h.insertKey({ userId: 'fine-user' });
    const [goneEvent] = await h.emit([keyEventDraft('key_invalid', gone), keyEventDraft('key_invalid', fine)]);
    await waitUntil(() => emailsTo('fine@example.test').length === 1, 15_000, 'the email to the good address');
    await waitUntil(async () => (await h.db.sql('SELECT 1 FROM notification_emails WHERE event_id = $1 AND failed_at IS NOT NULL', [goneEvent?.id])).length === 1, 15_000, 'the refusal recorded');
    const refusals = h.smtp.refusals();
    await sleep(1500);
    expect(h.smtp.refusals()).toBe(refusals);
    expect(await h.db.sql('SELECT sent_at, error FROM notification_emails WHERE event_id = $1', [goneEvent?.id])).toEqual([{ sent_at: null, error: expect.stringContaining('550') }]);
    expect(h.logs.join('')).toContain('the mail server refused a notification email');
    expect(h.logs.join('')).not.toContain('gone@example.test');
  });
});

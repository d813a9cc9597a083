import { createKeyring, generateKey } from '@byok/crypto';
import { describe, expect, it } from 'vitest';
import { flush, keyring, row, setup } from './route-cache.fixture.js';

describe('createRouteCache', () => {
  it('loads on a miss, then serves from memory', async () => {
    const { cache, loader } = setup();
    loader.table.set('u1', [row('u1', 'openai', 'sk-one')]);
    const first = await cache.get('u1');
    expect(first.credentialFor('u1-openai')).toBe('sk-one');
    expect(await cache.get('u1')).toBe(first);
    expect(loader.calls).toEqual(['u1']);
    expect(cache.size).toBe(1);
  });

  it('shares one load between concurrent misses for the same user', async () => {
    const { cache, loader } = setup();
    loader.table.set('u1', [row('u1', 'openai', 'sk-one')]);
    const release = loader.hold();
    const pending = Array.from({ length: 20 }, () => cache.get('u1'));
    const other = cache.get('u2');
    release();
    const results = await Promise.all(pending);
    await other;
    expect(new Set(results).size).toBe(1);
    expect(loader.calls.sort()).toEqual(['u1', 'u2']);
  });

  it('rejects every waiter of a failed load, keeps nothing, and tries again on the next get', async () => {
    const { cache, loader } = setup();
    loader.fail(new Error('db down'));
    const results = await Promise.allSettled([cache.get('u1'), cache.get('u1')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(cache.size).toBe(0);
    loader.fail(null);
    await cache.get('u1');
    expect(loader.calls).toEqual(['u1', 'u1']);
  });

  it('serves a stale entry while one background reload runs, then the new one', async () => {
    const { cache, loader, clock } = setup({ ttlMs: 30_000 });
    loader.table.set('u1', [row('u1', 'openai', 'sk-old')]);
    const old = await cache.get('u1');
    clock.now += 29_999;
    expect(await cache.get('u1')).toBe(old);
    expect(loader.calls).toHaveLength(1);

    clock.now += 1;
    loader.table.set('u1', [row('u1', 'openai', 'sk-new')]);
    const release = loader.hold();
    expect(await cache.get('u1')).toBe(old);
    expect(await cache.get('u1')).toBe(old);
    expect(loader.calls).toHaveLength(2);
    release();
    await flush();
    const fresh = await cache.get('u1');
    expect(fresh).not.toBe(old);
    expect(fresh.credentialFor('u1-openai')).toBe('sk-new');
    expect(loader.calls).toHaveLength(2);
  });

  it('keeps the stale entry when a background reload fails, and retries after a pause', async () => {
    const errors: string[] = [];
    const { cache, loader, clock } = setup({ ttlMs: 30_000, onRefreshError: (userId) => errors.push(userId) });
    loader.table.set('u1', [row('u1', 'openai', 'sk-old')]);
    const old = await cache.get('u1');
    clock.now += 30_000;
    loader.fail(new Error('db down'));
    expect(await cache.get('u1')).toBe(old);
    await flush();
    expect(errors).toEqual(['u1']);
    expect(await cache.get('u1')).toBe(old);
    expect(loader.calls).toHaveLength(2);
    clock.now += 1000;
    loader.fail(null);
    expect(await cache.get('u1')).toBe(old);
    await flush();
    expect(loader.calls).toHaveLength(3);
    expect(await cache.get('u1')).not.toBe(old);
  });

  it('drops the least recently used user beyond maxUsers', async () => {
    const { cache, loader } = setup({ maxUsers: 3 });
    for (const user of ['a', 'b', 'c']) await cache.get(user);
    await cache.get('a');
    await cache.get('d');
    expect(cache.size).toBe(3);
    loader.calls.length = 0;
    await cache.get('a');
    await cache.get('c');
    await cache.get('d');
    expect(loader.calls).toEqual([]);
    await cache.get('b');
    expect(loader.calls).toEqual(['b']);
    expect(cache.size).toBe(3);
  });

  it('keeps a user who is used regularly while many others come and go', async () => {
    const { cache, loader } = setup({ maxUsers: 100 });
    await cache.get('regular');
    for (let n = 0; n < 2000; n++) {
      await cache.get(`passer-${n}`);
      if (n % 40 === 0) await cache.get('regular');
    }
    expect(cache.size).toBe(100);
    expect(loader.calls.filter((id) => id === 'regular')).toHaveLength(1);
    loader.calls.length = 0;
    await cache.get('passer-0');
    expect(loader.calls).toEqual(['passer-0']);
  });

  it('invalidate drops one user; the next get reloads', async () => {
    const { cache, loader } = setup();
    await cache.get('u1');
    await cache.get('u2');
    cache.invalidate('u1');
    expect(cache.size).toBe(1);
    await cache.get('u1');
    await cache.get('u2');
    expect(loader.calls).toEqual(['u1', 'u2', 'u1']);
  });

  it('does not keep a load that an invalidation overtook', async () => {
    const { cache, loader } = setup();
    loader.table.set('u1', [row('u1', 'openai', 'sk-old')]);
    const release = loader.hold();
    const during = cache.get('u1');
    cache.invalidate('u1');
    loader.table.set('u1', [row('u1', 'openai', 'sk-new')]);
    release();
    expect((await during).credentialFor('u1-openai')).toBe('sk-old');
    expect(cache.size).toBe(0);
    expect((await cache.get('u1')).credentialFor('u1-openai')).toBe('sk-new');
  });

  it('drops a user named by a key-change message, and reloads everyone before use after a reconnect', async () => {
    const { cache, loader, subscription } = setup();
    await cache.start();
    for (const user of ['u1', 'u2', 'u3']) await cache.get(user);
    subscription.state.onMessage('u2');
    expect(cache.size).toBe(2);
    subscription.state.onReconnect();
    loader.table.set('u1', [row('u1', 'openai', 'sk-changed-while-away')]);
    // The next use waits for the reload: a change missed during the outage is seen at once.
    expect((await cache.get('u1')).credentialFor('u1-openai')).toBe('sk-changed-while-away');
    await cache.get('u1');
    expect(loader.calls).toEqual(['u1', 'u2', 'u3', 'u1']);
  });

  it('stale routes while Postgres is unreachable: kept across a reconnect, bounded by staleMaxMs, never for a user whose keys changed', async () => {
    const refreshErrors: string[] = [];
    const { cache, loader, subscription, clock } = setup({ staleMaxMs: 600_000, onRefreshError: (userId) => refreshErrors.push(userId) });
    await cache.start();
    loader.table.set('u1', [row('u1', 'openai', 'sk-one')]);
    await cache.get('u1');
    await cache.get('u2');
    loader.fail(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    // A reconnect while the database is away keeps the entries: the failed reload falls back to them.
    subscription.state.onReconnect();
    expect((await cache.get('u1')).credentialFor('u1-openai')).toBe('sk-one');
    // Right after a failure no request waits for the database again.
    const callsBefore = loader.calls.length;
    expect((await cache.get('u1')).credentialFor('u1-openai')).toBe('sk-one');
    await flush();
    expect(loader.calls.length).toBeLessThanOrEqual(callsBefore + 1);
    // A key-change message is honoured: that user is not served stale.
    subscription.state.onMessage('u2');
    await expect(cache.get('u2')).rejects.toThrow('ECONNREFUSED');
    // Past the bound the stale entry is refused too.
    clock.now += 600_000;
    await expect(cache.get('u1')).rejects.toThrow('ECONNREFUSED');
    expect(refreshErrors).toContain('u1');
    // And the database back: served fresh.
    loader.fail(null);
    expect((await cache.get('u1')).credentialFor('u1-openai')).toBe('sk-one');
  });

  it('start drops entries loaded before the subscription; close unsubscribes and clears', async () => {
    const { cache, subscription } = setup();
    await cache.get('early');
    await cache.start();
    await cache.start();
    expect(cache.size).toBe(0);
    await cache.get('u1');
    await cache.close();
    expect(cache.size).toBe(0);
    expect(subscription.state.unsubscribed).toBe(1);
  });

  it('marks a key that does not decrypt as unusable and keeps the user’s other keys', async () => {
    const undecryptable: string[] = [];
    const { cache, loader } = setup({ onUndecryptableKey: (userId, keyId) => undecryptable.push(`${userId}/${keyId}`) });
    const foreign = createKeyring([generateKey()]).encrypt('sk-or-foreign');
    loader.table.set('u1', [row('u1', 'openrouter', 'x', { apiKeyEncrypted: foreign }), row('u1', 'openai', 'sk-good')]);
    const routes = await cache.get('u1');
    expect(routes.credentialFor('u1-openrouter')).toBeUndefined();
    expect(routes.credentialFor('u1-openai')).toBe('sk-good');
    expect(routes.keys.byProvider.get('openrouter')?.[0]?.skip).toBe('undecryptable');
    expect(routes.keys.byProvider.get('openai')?.[0]?.skip).toBeNull();
    expect(undecryptable).toEqual(['u1/u1-openrouter']);
  });

  it('decrypts only keys routing could use, and ignores providers it does not route', async () => {
    const decrypted: string[] = [];
    const counting = {
      decrypt(token: string): string {
        decrypted.push(token);
        return keyring.decrypt(token);
      },
    };
    const { cache, loader } = setup({ keyring: counting });
    const usable = row('u1', 'openai', 'sk-usable');
    loader.table.set('u1', [
      usable,
      row('u1', 'anthropic', 'sk-disabled', { enabled: false }),
      row('u1', 'google', 'sk-invalid', { testStatus: 'invalid' }),
      row('u1', 'mistral', 'sk-legacy'),
      row('u1', 'groq', 'sk-legacy-null', { enabled: null, testStatus: null, metadata: { validation: { outcome: 'no_credit' } } }),
    ]);
    const routes = await cache.get('u1');
    expect(decrypted).toEqual([usable.apiKeyEncrypted, expect.any(String)]);
    expect(routes.credentialFor('u1-anthropic')).toBeUndefined();
    expect(routes.credentialFor('u1-google')).toBeUndefined();
    expect([...routes.keys.byProvider.keys()].sort()).toEqual(['anthropic', 'google', 'groq', 'openai']);
    const groq = routes.keys.byProvider.get('groq')?.[0];
    expect(groq?.key).toMatchObject({ enabled: true, testStatus: 'untested', validationOutcome: 'no_credit' });
    expect(groq?.reportedNoCredit).toBe(true);
    expect(routes.credentialFor('u1-groq')).toBe('sk-legacy-null');
  });

  it('keeps each key version, which the proxy names when it asks for a re-validation', async () => {
    const { cache, loader } = setup();
    loader.table.set('u1', [row('u1', 'openai', 'sk-v3', { keyVersion: 3 }), row('u1', 'groq', 'sk-legacy', { keyVersion: null })]);
    const routes = await cache.get('u1');
    expect(routes.keys.byProvider.get('openai')?.[0]?.key.keyVersion).toBe(3);
    expect(routes.keys.byProvider.get('groq')?.[0]?.key).not.toHaveProperty('keyVersion');
  });
});

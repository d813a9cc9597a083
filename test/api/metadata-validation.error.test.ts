import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';

/**
 * Finding "`metadata.validation` is writable by the user" (#12): it holds the worker's verdict
 * (model list, limits), which the key view shows as the validation result. A save carrying it is
 * refused with a 400 naming the field, and nothing is stored.
 */
describe('metadata.validation belongs to the key test', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  beforeAll(async () => {
    h = await startApiHarness('metadata_validation');
    alice = { authorization: `Bearer ${await h.token('alice')}` };
  });
  afterAll(() => h.close());

  it('refuses a save that sets it, and stores nothing', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/llm/byok/keys',
      headers: alice,
      payload: { provider: 'groq', api_key: FAKE_KEYS.groq, metadata: { note: 'mine', validation: { outcome: 'valid', models_count: 999 } } },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', message: 'body/metadata/validation: is written by the key test; leave it out' });
    expect(await h.db.sql("SELECT count(*)::int AS n FROM user_provider_keys WHERE user_id = 'alice'")).toEqual([{ n: 0 }]);
  });

  it('still takes other metadata, and the key view keeps the worker’s validation apart from it', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: alice, payload: { provider: 'groq', api_key: FAKE_KEYS.groq, metadata: { note: 'mine' } } });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ metadata: { note: 'mine' }, validation: null });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';
import { insertOrg } from '../support/org-fixtures.js';

/**
 * The API's Ajv coerces types for query strings, and that coercion used to reach the keys API's
 * bodies: `models: [""]` saved a key for every model, `models: 0` one for the model "0", a toggle
 * body `false` flipped the key. Each such body is a 400 naming the field now, and nothing changes.
 */
describe('keys API bodies are read as sent, not as type coercion turns them', () => {
  let h: ApiHarness;
  let alice: Record<string, string>;
  let keyId: string;
  const base = '/api/v1/llm/byok';
  const json = { 'content-type': 'application/json' };

  beforeAll(async () => {
    h = await startApiHarness('key_body_coercion', { env: { KEY_TEST_WAIT_MS: '0' } });
    alice = { authorization: `Bearer ${await h.token('alice')}` };
    const saved = await h.app.inject({ method: 'POST', url: `${base}/keys`, headers: alice, payload: { provider: 'openai', api_key: FAKE_KEYS.openai, models: ['gpt-4o-mini'] } });
    expect(saved.statusCode, saved.body).toBe(201);
    keyId = saved.json().id;
  });
  afterAll(() => h.close());

  const stored = async () => h.db.sql<{ label: string; models: string[] | null; enabled: boolean }>('SELECT label, models, enabled FROM user_provider_keys WHERE user_id = $1 ORDER BY label', ['alice']);
  const expectRefused = (res: { statusCode: number; body: string; json(): { error: { code: string; message: string; details?: Array<{ path: string }> } } }, path: string) => {
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'validation_failed', details: [{ path }] });
    expect(res.json().error.message).toMatch(new RegExp(`^${path}: `));
  };

  const badModels: unknown[] = [[''], '', [null], 0, false, [0], [false], 'gpt-4o', { 0: 'gpt-4o' }];

  it.each(badModels.map((models) => [JSON.stringify(models), models]))('refuses models %s on a save, of a new key or a replacement', async (_shown, models) => {
    const before = await stored();
    for (const label of ['default', 'second']) {
      const res = await h.app.inject({ method: 'POST', url: `${base}/keys`, headers: alice, payload: { provider: 'openai', api_key: FAKE_KEYS.openai, label, models } });
      expectRefused(res, 'body/models');
    }
    expect(await stored()).toEqual(before);
  });

  it.each(badModels.map((models) => [JSON.stringify(models), models]))('refuses models %s on a PATCH', async (_shown, models) => {
    const res = await h.app.inject({ method: 'PATCH', url: `${base}/keys/by-id/${keyId}`, headers: alice, payload: { models } });
    expectRefused(res, 'body/models');
    expect(await stored()).toEqual([{ label: 'default', models: ['gpt-4o-mini'], enabled: true }]);
  });

  it('still takes null (any model) and a list of names', async () => {
    const url = `${base}/keys/by-id/${keyId}`;
    expect((await h.app.inject({ method: 'PATCH', url, headers: alice, payload: { models: null } })).json().models).toBeNull();
    expect((await h.app.inject({ method: 'PATCH', url, headers: alice, payload: { models: ['gpt-4o-mini'] } })).json().models).toEqual(['gpt-4o-mini']);
  });

  it.each([
    ['enabled: null', JSON.stringify({ enabled: null }), 'body/enabled'],
    ['enabled: 0', JSON.stringify({ enabled: 0 }), 'body/enabled'],
    ['enabled: "false"', JSON.stringify({ enabled: 'false' }), 'body/enabled'],
    ['a body of false', 'false', 'body'],
    ['a body of ""', '""', 'body'],
    ['a body of 0', '0', 'body'],
    ['a body that is a list', '[{"enabled":false}]', 'body'],
  ])('refuses %s on a PATCH and on both toggles, and the key stays enabled', async (_name, payload, path) => {
    for (const url of [`${base}/keys/by-id/${keyId}`, `${base}/keys/by-id/${keyId}/toggle`, `${base}/keys/openai/toggle`]) {
      const res = await h.app.inject({ method: url.endsWith('toggle') ? 'POST' : 'PATCH', url, headers: { ...alice, ...json }, payload });
      expectRefused(res, path);
    }
    expect((await stored())[0]).toMatchObject({ enabled: true });
  });

  it('still flips on a toggle with no body or a null one, and sets the state with a boolean', async () => {
    const toggle = (payload?: string) => h.app.inject({ method: 'POST', url: `${base}/keys/openai/toggle`, headers: payload === undefined ? alice : { ...alice, ...json }, ...(payload === undefined ? {} : { payload }) });
    expect((await toggle()).json().enabled).toBe(false);
    expect((await toggle('null')).json().enabled).toBe(true);
    expect((await toggle('{"enabled":true}')).json().enabled).toBe(true);
  });

  it('refuses the same bodies on an organization’s key routes', async () => {
    const org = await insertOrg(h.db, 'Acme', { olivia: 'owner' });
    const olivia = { authorization: `Bearer ${await h.token('olivia')}` };
    const res = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${org}/byok/keys`, headers: olivia, payload: { provider: 'openai', api_key: FAKE_KEYS.openai, models: [''] } });
    expectRefused(res, 'body/models');
    expect(await h.db.sql('SELECT 1 FROM user_provider_keys WHERE user_id = $1', [`org:${org}`])).toEqual([]);
  });
});

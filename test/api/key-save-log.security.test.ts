import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';

/**
 * Finding "ciphertext in logs" (#12): a key save whose statement fails was logged with its SQL and
 * every value inlined, the Fernet token among them. The statement may be logged, its values not.
 * The save is now a prepared statement: Postgres gets the values apart from the text, so the error
 * carries neither; the log still says what failed (Postgres's message, and the repository function
 * in the stack).
 */
describe('a failed key-save statement logs no ciphertext', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness('key_save_log');
    // Makes every key save fail inside Postgres, after the token went out as a value.
    await h.db.sql(`CREATE FUNCTION refuse_key_save() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'key saves refused by the test'; END $$`);
    await h.db.sql('CREATE TRIGGER refuse_key_save BEFORE INSERT OR UPDATE ON user_provider_keys FOR EACH ROW EXECUTE FUNCTION refuse_key_save()');
  });
  afterAll(() => h.close());

  it('answers 500 without detail and logs the statement without its values', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/llm/byok/keys',
      headers: { authorization: `Bearer ${await h.token('alice')}` },
      payload: { provider: 'groq', api_key: FAKE_KEYS.groq, label: 'logged-label-marker' },
    });
    expect(res.statusCode).toBe(500);
    expect(res.json().error.message).toBe('Internal error');
    const logs = h.logs.join('');
    expect(logs).toContain('key saves refused by the test');
    expect(logs).toContain('upsertProviderKey');
    // A Fernet token starts with the version byte 0x80, `gAAAAA` in base64url.
    expect(logs).not.toMatch(/gAAAAA/);
    expect(logs).not.toContain('logged-label-marker');
    // Nor the masked hint, nor the binding tag: no value of the statement at all.
    expect(logs).not.toContain('****…****');
  });
});

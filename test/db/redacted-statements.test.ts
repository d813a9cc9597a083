import { recordKeyBinding, rewriteStoredKeys, upsertProviderKey } from '@byok/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

/**
 * MikroORM inlines every value into the statement text, and a failed statement's error repeats
 * that text. The rotation statements carry tokens as values, so their errors must come back with
 * the `?` placeholders instead (what `executeRedacted` does), yet still say what failed.
 */

const FAKE_TOKEN = 'gAAAAAB-fake-fernet-token-redaction-test';
const FAKE_NEW_TOKEN = 'gAAAAAB-fake-rotated-token-redaction-test';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('redacted');
});
afterAll(() => db.drop());

/** The error `statement` fails with, as a caller's log would print it. */
async function failureText(statement: Promise<unknown>): Promise<string> {
  const error = await statement.then(
    () => expect.fail('the statement should have failed'),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Error);
  const { message, stack } = error as Error;
  return `${message}\n${stack ?? ''}`;
}

describe('token-bearing rotation statements', () => {
  it('rewriteStoredKeys fails without the tokens in its error', async () => {
    // Not a UUID: Postgres refuses the statement after MikroORM has inlined the tokens into it.
    const text = await failureText(
      rewriteStoredKeys(db.orm.em.fork(), [{ id: 'not-a-uuid', expectedToken: FAKE_TOKEN, token: FAKE_NEW_TOKEN, bindingTag: 'tag', keyFingerprint: '0123456789abcdef' }]),
    );
    expect(text).toMatch(/invalid input syntax for type uuid/);
    expect(text).not.toContain(FAKE_TOKEN);
    expect(text).not.toContain(FAKE_NEW_TOKEN);
  });

  it('recordKeyBinding fails without the token in its error', async () => {
    const { key } = await upsertProviderKey(db.orm.em.fork(), { userId: 'redacted-user', provider: 'openai', apiKeyEncrypted: FAKE_TOKEN, keyHint: 'sk-****…****' });
    // Longer than the column's 16 characters: refused after the token was inlined.
    const text = await failureText(recordKeyBinding(db.orm.em.fork(), key, { bindingTag: 'tag', keyFingerprint: 'x'.repeat(40) }));
    expect(text).toMatch(/value too long/);
    expect(text).not.toContain(FAKE_TOKEN);
  });
});

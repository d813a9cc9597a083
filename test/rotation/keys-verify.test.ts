import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStoredKeyring, generateKey, keyFingerprint } from '@byok/crypto';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { dropTestRedisPrefixes, gatewayEnv, runChildToEnd, seedRows, testRedisPrefix } from './support/rotation-fixtures.js';

const OLD = generateKey();
const NEW = generateKey();
const FOREIGN = generateKey();

describe('npm run keys:verify', () => {
  let db: TestDatabase;
  let env: Record<string, string>;
  let badIds: string[];
  beforeAll(async () => {
    db = await createTestDatabase('keys_verify');
    env = gatewayEnv(db, [NEW, OLD], testRedisPrefix('keys_verify'));
    const old = await seedRows(db, createStoredKeyring([OLD]), { count: 30, style: 'bound' });
    await seedRows(db, createStoredKeyring([NEW]), { count: 20, from: 30, style: 'bound' });
    await seedRows(db, createStoredKeyring([OLD]), { count: 10, from: 50, style: 'legacy' });
    const foreign = await seedRows(db, createStoredKeyring([FOREIGN]), { count: 5, from: 60, style: 'legacy' });
    // Two rows whose tokens (and tags) were swapped: each opens, neither belongs where it is.
    const [a, b] = [old.get(0) ?? '', old.get(1) ?? ''];
    await db.sql(
      `UPDATE user_provider_keys d SET api_key_encrypted = s.api_key_encrypted, binding_tag = s.binding_tag
       FROM (SELECT id, api_key_encrypted, binding_tag FROM user_provider_keys WHERE id IN ($1, $2)) s WHERE d.id IN ($1, $2) AND d.id <> s.id`,
      [a, b],
    );
    badIds = [a, b, ...foreign.values()];
  });
  afterAll(async () => {
    await db.drop();
    await dropTestRedisPrefixes();
  });

  const verify = async (...args: string[]) => runChildToEnd('scripts/keys-verify.ts', args, env);
  const jsonOf = (output: string): Record<string, unknown> => JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1)) as Record<string, unknown>;

  it('decrypts every row and counts each key, the undecryptable, the mismatched and the untagged; exits 1', { timeout: 60_000 }, async () => {
    const { code, output } = await verify('--json');
    expect(code).toBe(1);
    expect(jsonOf(output)).toMatchObject({
      mode: 'full',
      keys: [
        { index: 0, fingerprint: keyFingerprint(NEW), rows: 20 },
        { index: 1, fingerprint: keyFingerprint(OLD), rows: 40 },
      ],
      undecryptable: 5,
      bindingMismatch: 2,
      untagged: 10,
      fingerprintNotRecorded: 10,
      totalRows: 65,
    });
    expect(output).not.toContain(OLD);
    expect(output).not.toContain('sk-proj-rotation-fake');
  });

  it('--fast reads only the recorded fingerprints (like the status endpoint)', { timeout: 60_000 }, async () => {
    const { output } = await verify('--fast', '--json');
    expect(jsonOf(output)).toMatchObject({
      mode: 'fast',
      keys: [
        { index: 0, rows: 20 },
        { index: 1, rows: 30 },
      ],
      unrecordedRows: 15,
      totalRows: 65,
    });
  });

  it('--expect-rotated passes only once every row is under the first key and bound', { timeout: 120_000 }, async () => {
    await db.sql('DELETE FROM user_provider_keys WHERE id = ANY($1::uuid[])', [badIds]);
    expect((await verify('--expect-rotated')).code).toBe(1);
    const rotate = await runChildToEnd('scripts/keys-rotate.ts', ['--inline'], env);
    expect(rotate.code, rotate.output).toBe(0);
    const after = await verify('--expect-rotated');
    expect(after.code, after.output).toBe(0);
    expect(after.output).toContain(`[0] ${keyFingerprint(NEW)}  58 rows`);
    expect(after.output).toContain('older keys can be removed');
  });
});

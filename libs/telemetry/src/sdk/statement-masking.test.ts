import { describe, expect, it } from 'vitest';
import { redisStatement } from './redis-statement.js';
import { obfuscateSql } from './sql-obfuscation.js';

describe('obfuscateSql', () => {
  it('masks every string literal, including ones with doubled quotes, and keeps the shape', () => {
    expect(obfuscateSql(`INSERT INTO t (a, b, c) VALUES ('user-1', 'gAAAAABfake''token', 3) RETURNING *`)).toBe(`INSERT INTO t (a, b, c) VALUES ('?', '?', 3) RETURNING *`);
    expect(obfuscateSql(`UPDATE t SET m = jsonb_set(m, '{validation}', '{"ok":true}'::jsonb) WHERE id = $1`)).toBe(`UPDATE t SET m = jsonb_set(m, '?', '?'::jsonb) WHERE id = $1`);
    expect(obfuscateSql('select 1')).toBe('select 1');
  });
});

describe('redisStatement', () => {
  it('EVALSHA shows the script, the key count and the keys, never the arguments', () => {
    const job = Buffer.from('{"keyId":"x","userId":"u"}');
    expect(redisStatement('evalsha', ['5ab4', 2, 'byok:key-tests:wait', 'byok:key-tests:meta', job, '{"traceparent":"00-…"}'])).toBe(
      'evalsha 5ab4 2 byok:key-tests:wait byok:key-tests:meta [2 other arguments]',
    );
  });

  it('other commands show their first argument (the key) and count the rest', () => {
    expect(redisStatement('publish', ['byok:key-changes', 'user-42'])).toBe('publish byok:key-changes [1 other arguments]');
    expect(redisStatement('ping', [])).toBe('ping');
    expect(redisStatement('set', [Buffer.from('k'), 'v'])).toBe('set [binary] [1 other arguments]');
  });

  it('credential commands show no argument at all', () => {
    expect(redisStatement('auth', ['default', 'hunter2'])).toBe('auth [2 other arguments]');
    expect(redisStatement('HELLO', [3, 'AUTH', 'default', 'hunter2'])).toBe('HELLO [4 other arguments]');
  });
});

import pg from 'pg';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_KEYS, startApiHarness, type ApiHarness } from '../support/api-harness.js';

/**
 * What one key save costs in round trips (#15): the save's speed on a loaded host is bound by the
 * statements and Redis commands it sends (each a socket write and a wake-up of another process),
 * not by its own computation. Counted at the clients, so a new statement or command in the save's
 * path shows here as a changed count.
 */
describe('key save round trips', () => {
  let h: ApiHarness;
  let alice: string;
  const statements: string[] = [];
  const commands: string[] = [];
  const query = pg.Client.prototype.query;
  const sendCommand = Redis.prototype.sendCommand;

  beforeAll(async () => {
    h = await startApiHarness('save_round_trips');
    alice = await h.token('alice');
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const config = args[0];
      statements.push(typeof config === 'string' ? config : ((config as { name?: string; text: string }).name ?? (config as { text: string }).text));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    Redis.prototype.sendCommand = function (this: Redis, command, stream) {
      commands.push(command.name);
      return sendCommand.call(this, command, stream);
    };
  });
  afterAll(async () => {
    pg.Client.prototype.query = query;
    Redis.prototype.sendCommand = sendCommand;
    await h.close();
  });

  async function save(apiKey: string): Promise<{ status: number; statements: string[]; commands: string[] }> {
    statements.length = 0;
    commands.length = 0;
    const res = await h.app.inject({ method: 'POST', url: '/api/v1/llm/byok/keys', headers: { authorization: `Bearer ${alice}` }, payload: { provider: 'groq', api_key: apiKey } });
    // The BullMQ event listener's blocking read wakes on every job added; it is not the save's own command.
    return { status: res.statusCode, statements: [...statements], commands: commands.filter((name) => name !== 'xread') };
  }

  it("a replacement: BEGIN, the row id, one upsert that writes its audit record, COMMIT; budget, job, the old text's health cleared and announcement in Redis", async () => {
    expect((await save(FAKE_KEYS.groq)).status).toBe(201);
    const replaced = await save(`gsk_${'FakeTestKey1'.repeat(4)}`);
    expect(replaced.status).toBe(200);
    expect(replaced.statements).toEqual(['BEGIN;', 'byok_find_key_row_id', 'byok_upsert_provider_key_audited', 'COMMIT;']);
    // eval: the test budget; evalsha: the job; evalsha: the replaced text's cool-down and circuit cleared (key-health); publish: the change.
    expect(replaced.commands).toEqual(['eval', 'evalsha', 'evalsha', 'publish']);
    const audit = await h.db.sql<{ action: string; details: Record<string, unknown> }>(`SELECT action, details FROM audit_log WHERE subject_user_id = 'alice' ORDER BY id`);
    expect(audit.map((a) => a.action)).toEqual(['key.created', 'key.replaced']);
    expect(audit[1]?.details).toEqual({ key_version: 2, masked_key: 'gsk_****…****Key1', format_recognized: true, label: 'default', priority: 1, models: null });
  });
});

import { keyChangeChannel } from '@byok/queues';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import type { ApiHarness } from '../../support/api-harness.js';

export type Headers = Record<string, string>;

/** `{ authorization }` for a user of the harness. */
export async function bearerOf(h: ApiHarness, userId: string): Promise<Headers> {
  return { authorization: `Bearer ${await h.token(userId)}` };
}

/** Creates an organization as `owner` and adds each of `members` with their role; returns its id. */
export async function createOrg(h: ApiHarness, owner: Headers, name: string, members: Record<string, 'owner' | 'admin' | 'member'> = {}): Promise<string> {
  const res = await h.app.inject({ method: 'POST', url: '/api/v1/orgs', headers: owner, payload: { name } });
  expect(res.statusCode, res.body).toBe(201);
  const id = res.json<{ id: string }>().id;
  for (const [userId, role] of Object.entries(members)) {
    const added = await h.app.inject({ method: 'POST', url: `/api/v1/orgs/${id}/members`, headers: owner, payload: { user_id: userId, role } });
    expect(added.statusCode, added.body).toBe(201);
  }
  return id;
}

/** The error code of a JSON error answer. */
export function codeOf(res: { json(): unknown }): string | undefined {
  return (res.json() as { error?: { code?: string } }).error?.code;
}

/** Collects the messages on the key-change channel the proxies listen to, until `close`. */
export async function listenForKeyChanges(h: ApiHarness): Promise<{ messages: string[]; close(): Promise<void> }> {
  const messages: string[] = [];
  const subscriber = new Redis(h.config.redisUrl);
  subscriber.on('message', (_channel: string, message: string) => messages.push(message));
  await subscriber.subscribe(keyChangeChannel(h.redisPrefix));
  return { messages, close: async () => void (await subscriber.quit()) };
}

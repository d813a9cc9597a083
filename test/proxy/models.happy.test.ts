import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProxyHarness, type ProxyHarness } from './support/proxy-harness.js';

/** `GET /v1/models`: what the caller can reach and through which path, read by the OpenAI SDK. */

let h: ProxyHarness;
beforeAll(async () => {
  h = await startProxyHarness('proxy_models', { systemKeyProviders: ['anthropic'] });
  const openai = await h.addKey('list-user', 'openai');
  const google = await h.addKey('list-user', 'google');
  const groq = await h.addKey('list-user', 'groq');
  const validated = async (id: string, models: string[]) =>
    h.api.db.sql(`UPDATE user_provider_keys SET test_status = 'valid', metadata = jsonb_build_object('validation', jsonb_build_object('outcome', 'valid', 'models', $1::jsonb)) WHERE id = $2`, [JSON.stringify(models), id]);
  await validated(openai.id, ['gpt-4o-mini', 'whisper-1']);
  await validated(google.id, ['gemini-2.0-flash']);
  await validated(groq.id, ['llama-3.1-8b-instant']);
  await h.setKeyEnabled('list-user', 'groq', false);
  await h.addKey('router-user', 'openrouter');
});
afterAll(async () => h?.close());

type Listed = OpenAI.Model & { byok: { route: string; provider: string; upstream_model: string; charged: boolean } };

async function list(user: string, path = '/v1'): Promise<Listed[]> {
  const client = new OpenAI({ baseURL: `${h.proxy.url}${path}`, apiKey: await h.jwt(user), maxRetries: 0 });
  const out: Listed[] = [];
  for await (const model of client.models.list()) out.push(model as Listed);
  return out;
}

describe('GET /v1/models', () => {
  it('lists validated chat models and the known models of each reachable provider, with the path each takes', async () => {
    const models = await list('list-user');
    const byId = new Map(models.map((m) => [m.id, m]));
    expect(byId.get('gpt-4o-mini')).toMatchObject({ object: 'model', owned_by: 'openai', byok: { route: 'user_provider', provider: 'openai', upstream_model: 'gpt-4o-mini', charged: false } });
    expect(byId.get('gemini-2.0-flash')).toMatchObject({ owned_by: 'google', byok: { route: 'user_provider', provider: 'google' } });
    // Known (price table) models of a provider reached through the platform's key, charged.
    expect(byId.get('claude-3-5-haiku')).toMatchObject({ owned_by: 'anthropic', byok: { route: 'system', provider: 'anthropic', charged: true } });
    // Issue #20 item 7: no patterns, no speech or embedding models.
    expect(models.filter((m) => m.id.includes('*') || m.id.includes('whisper'))).toEqual([]);
    // The disabled Groq key adds nothing; no route reaches Groq or the other providers.
    expect(models.some((m) => m.id.includes('llama') || m.id.startsWith('groq/'))).toBe(false);
    expect(models.some((m) => m.owned_by === 'cohere')).toBe(false);
  });

  it('shows concrete models of every provider through an OpenRouter key', async () => {
    const models = await list('router-user', '/api/v1/llm');
    expect(new Set(models.map((m) => m.owned_by)).size).toBeGreaterThanOrEqual(8);
    expect(models.every((m) => m.byok.route === 'user_openrouter' && m.byok.provider === 'openrouter' && !m.id.includes('*'))).toBe(true);
    expect(models.find((m) => m.id === 'claude-3-5-haiku')?.byok.upstream_model).toBe('anthropic/claude-3-5-haiku');
  });

  it('lists only the platform\'s providers for a user without keys', async () => {
    const models = await list('nobody');
    expect(models.length).toBeGreaterThan(0);
    expect(models.every((m) => m.owned_by === 'anthropic' && m.byok.charged)).toBe(true);
  });
});

import type { ProviderId } from '@byok/providers';
import { describe, expect, it } from 'vitest';
import { decideRoute } from './decide-route.js';
import { createModelResolver } from './model-info.js';
import { formatReceipt } from './receipt.js';
import type { CredentialSource, RouteInput, SystemKeyAvailability, UserKeyCandidate } from './route-decision.types.js';
import { indexUserKeys } from './user-key-index.js';

function key(provider: ProviderId, overrides: Partial<UserKeyCandidate> = {}): UserKeyCandidate {
  return { provider, keyId: `k-${provider}`, enabled: true, testStatus: 'valid', ...overrides };
}

const ALL_SYSTEM: SystemKeyAvailability = { openrouter: true, openai: true, anthropic: true, google: true, groq: true };
const POSITIVE = 1_000_000;

interface Row {
  name: string;
  model: string;
  keys?: UserKeyCandidate[];
  system?: SystemKeyAvailability;
  balance?: number | null;
  /** `[source, provider, upstreamModel, keyId?]` of the chosen candidate, or the failed outcome. */
  expect: [CredentialSource, ProviderId, string, string?] | 'no_route' | 'insufficient_credits';
  receipt: string;
  message?: string;
}

const ROWS: Row[] = [
  // Rule 1: the user's OpenRouter key takes any model.
  {
    name: 'OpenRouter key wins over the detected provider key',
    model: 'gpt-4o-mini',
    keys: [key('openrouter'), key('openai')],
    system: ALL_SYSTEM,
    expect: ['user_openrouter', 'openrouter', 'openai/gpt-4o-mini', 'k-openrouter'],
    receipt: 'user_openrouter(default):chosen; user_provider(openai/default):not_needed; system(openai):not_needed; system(openrouter):not_needed',
  },
  {
    name: 'OpenRouter key takes an unknown vendor slug as is',
    model: 'meta-llama/llama-3.3-70b-instruct:free',
    keys: [key('openrouter')],
    expect: ['user_openrouter', 'openrouter', 'meta-llama/llama-3.3-70b-instruct:free'],
    receipt: 'user_openrouter(default):chosen',
  },
  {
    name: 'OpenRouter key gets the vendor slug for a bare Anthropic name',
    model: 'claude-3-5-sonnet',
    keys: [key('openrouter')],
    expect: ['user_openrouter', 'openrouter', 'anthropic/claude-3-5-sonnet'],
    receipt: 'user_openrouter(default):chosen; user_provider(anthropic):skipped=no_key; system(anthropic):skipped=no_system_key; system(openrouter):skipped=no_system_key',
  },
  {
    name: 'OpenRouter key keeps a vendor-prefixed name',
    model: 'anthropic/claude-3-5-sonnet',
    keys: [key('openrouter'), key('anthropic')],
    expect: ['user_openrouter', 'openrouter', 'anthropic/claude-3-5-sonnet'],
    receipt: 'user_openrouter(default):chosen; user_provider(anthropic/default):not_needed; system(anthropic):skipped=no_system_key; system(openrouter):skipped=no_system_key',
  },
  {
    name: 'OpenRouter key takes an explicit host prefix too (host prefix dropped)',
    model: 'groq/llama-3.1-8b-instant',
    keys: [key('openrouter'), key('groq')],
    expect: ['user_openrouter', 'openrouter', 'llama-3.1-8b-instant'],
    receipt: 'user_openrouter(default):chosen; user_provider(groq/default):not_needed; system(groq):skipped=no_system_key; system(openrouter):skipped=no_system_key',
  },
  ...(['untested', 'testing', 'error'] as const).map(
    (testStatus): Row => ({
      name: `an OpenRouter key with test status ${testStatus} is used`,
      model: 'x/y',
      keys: [key('openrouter', { testStatus })],
      expect: ['user_openrouter', 'openrouter', 'x/y'],
      receipt: 'user_openrouter(default):chosen',
    }),
  ),
  {
    name: 'disabled OpenRouter key falls through to the provider key',
    model: 'gpt-4o-mini',
    keys: [key('openrouter', { enabled: false }), key('openai')],
    expect: ['user_provider', 'openai', 'gpt-4o-mini', 'k-openai'],
    receipt: 'user_openrouter(default):skipped=disabled; user_provider(openai/default):chosen; system(openai):skipped=no_system_key; system(openrouter):skipped=no_system_key',
  },
  {
    name: 'invalid OpenRouter key falls through to the platform key',
    model: 'gpt-4o-mini',
    keys: [key('openrouter', { testStatus: 'invalid' })],
    system: { openai: true },
    expect: ['system', 'openai', 'gpt-4o-mini'],
    receipt: 'user_openrouter(default):skipped=invalid; user_provider(openai):skipped=no_key; system(openai):chosen; system(openrouter):skipped=no_system_key',
  },
  {
    name: 'undecryptable OpenRouter key falls through',
    model: 'gpt-4o-mini',
    keys: [key('openrouter', { unusable: 'undecryptable' }), key('openai')],
    expect: ['user_provider', 'openai', 'gpt-4o-mini'],
    receipt: 'user_openrouter(default):skipped=undecryptable; user_provider(openai/default):chosen; system(openai):skipped=no_system_key; system(openrouter):skipped=no_system_key',
  },
  // Rule 2: the user's key for the detected provider.
  {
    name: 'explicit vendor prefix is stripped for the provider',
    model: 'anthropic/claude-3-5-sonnet',
    keys: [key('anthropic'), key('google')],
    system: ALL_SYSTEM,
    expect: ['user_provider', 'anthropic', 'claude-3-5-sonnet'],
    receipt: 'user_openrouter:skipped=no_key; user_provider(anthropic/default):chosen; system(anthropic):not_needed; system(openrouter):not_needed',
  },
  {
    name: 'explicit groq/ prefix',
    model: 'groq/llama-3.1-8b-instant',
    keys: [key('groq')],
    expect: ['user_provider', 'groq', 'llama-3.1-8b-instant'],
    receipt: 'user_openrouter:skipped=no_key; user_provider(groq/default):chosen; system(groq):skipped=no_system_key; system(openrouter):skipped=no_system_key',
  },
  {
    name: 'explicit groq/ prefix on a slug keeps the slug',
    model: 'groq/openai/gpt-oss-120b',
    keys: [key('groq')],
    expect: ['user_provider', 'groq', 'openai/gpt-oss-120b'],
    receipt: 'user_openrouter:skipped=no_key; user_provider(groq/default):chosen; system(groq):skipped=no_system_key; system(openrouter):skipped=no_system_key',
  },
  {
    name: 'a key whose last validation said no_credit is skipped, also when nothing else can serve',
    model: 'claude-opus-4-6',
    keys: [key('anthropic', { validationOutcome: 'no_credit' })],
    expect: 'no_route',
    receipt: 'user_openrouter:skipped=no_key; user_provider(anthropic/default):skipped=no_credit; system(anthropic):skipped=no_system_key; system(openrouter):skipped=no_system_key',
    message: 'your Anthropic key has no credit left at the provider (top up the account, then test the key again)',
  },
  {
    name: 'a key whose last validation said no_credit gives way to the platform key',
    model: 'claude-opus-4-6',
    keys: [key('anthropic', { validationOutcome: 'no_credit' })],
    system: ALL_SYSTEM,
    expect: ['system', 'anthropic', 'claude-opus-4-6'],
    receipt: 'user_openrouter:skipped=no_key; user_provider(anthropic/default):skipped=no_credit; system(anthropic):chosen; system(openrouter):not_needed',
  },
  {
    name: 'several keys for one provider: first usable chosen, later ones are fallbacks',
    model: 'gpt-4o',
    keys: [key('openai', { keyId: 'a', testStatus: 'invalid' }), key('openai', { keyId: 'b', testStatus: 'error' }), key('openai', { keyId: 'c' })],
    expect: ['user_provider', 'openai', 'gpt-4o', 'b'],
    receipt:
      'user_openrouter:skipped=no_key; user_provider(openai/default):skipped=invalid; user_provider(openai/default):chosen; user_provider(openai/default):not_needed; system(openai):skipped=no_system_key; system(openrouter):skipped=no_system_key',
  },
  {
    name: 'disabled provider key goes to the platform key',
    model: 'gemini-2.5-flash',
    keys: [key('google', { enabled: false })],
    system: ALL_SYSTEM,
    expect: ['system', 'google', 'gemini-2.5-flash'],
    receipt: 'user_openrouter:skipped=no_key; user_provider(google/default):skipped=disabled; system(google):chosen; system(openrouter):not_needed',
  },
  // Unknown models.
  {
    name: 'unknown model without an OpenRouter key: no route, even with platform keys',
    model: 'meta-llama/llama-3.3-70b-instruct',
    keys: [key('openai')],
    system: ALL_SYSTEM,
    expect: 'no_route',
    receipt: 'user_openrouter:skipped=no_key',
    message: 'Cannot tell which provider serves model "meta-llama/llama-3.3-70b-instruct"',
  },
  {
    name: 'unknown model with a disabled OpenRouter key: no route',
    model: 'llama-3.1-8b-instant',
    keys: [key('openrouter', { enabled: false })],
    system: ALL_SYSTEM,
    expect: 'no_route',
    receipt: 'user_openrouter(default):skipped=disabled',
    message: 'openrouter/, openai/, anthropic/',
  },
  // Rule 3: platform keys and credits.
  {
    name: 'platform key for the detected provider with a positive balance',
    model: 'gpt-4o-mini',
    system: ALL_SYSTEM,
    expect: ['system', 'openai', 'gpt-4o-mini'],
    receipt: 'user_openrouter:skipped=no_key; user_provider(openai):skipped=no_key; system(openai):chosen; system(openrouter):not_needed',
  },
  {
    name: 'platform OpenRouter key when there is no platform key for the provider',
    model: 'claude-3-5-haiku',
    system: { openrouter: true },
    expect: ['system', 'openrouter', 'anthropic/claude-3-5-haiku'],
    receipt: 'user_openrouter:skipped=no_key; user_provider(anthropic):skipped=no_key; system(anthropic):skipped=no_system_key; system(openrouter):chosen',
  },
  {
    name: 'openrouter/ prefix goes to the platform OpenRouter key only once',
    model: 'openrouter/x/y',
    system: ALL_SYSTEM,
    expect: ['system', 'openrouter', 'x/y'],
    receipt: 'user_openrouter:skipped=no_key; system(openrouter):chosen',
  },
  {
    name: 'zero balance: insufficient credits',
    model: 'gpt-4o-mini',
    system: ALL_SYSTEM,
    balance: 0,
    expect: 'insufficient_credits',
    receipt: 'user_openrouter:skipped=no_key; user_provider(openai):skipped=no_key; system(openai):skipped=no_credits; system(openrouter):skipped=no_credits',
    message: "Insufficient credits for the platform's openai key: add credits, or add an OpenAI or OpenRouter key at /api/v1/llm/byok/keys",
  },
  {
    name: 'negative balance: insufficient credits',
    model: 'claude-3-5-haiku',
    system: { openrouter: true },
    balance: -5,
    expect: 'insufficient_credits',
    receipt: 'user_openrouter:skipped=no_key; user_provider(anthropic):skipped=no_key; system(anthropic):skipped=no_system_key; system(openrouter):skipped=no_credits',
  },
  {
    name: 'unknown balance: a platform key is not used',
    model: 'gpt-4o-mini',
    system: ALL_SYSTEM,
    balance: null,
    expect: 'insufficient_credits',
    receipt: 'user_openrouter:skipped=no_key; user_provider(openai):skipped=no_key; system(openai):skipped=credits_unknown; system(openrouter):skipped=credits_unknown',
    message: "Could not check credits for the platform's openai key",
  },
  {
    name: 'a BYOK key needs no balance',
    model: 'gpt-4o-mini',
    keys: [key('openai')],
    system: ALL_SYSTEM,
    balance: null,
    expect: ['user_provider', 'openai', 'gpt-4o-mini'],
    receipt: 'user_openrouter:skipped=no_key; user_provider(openai/default):chosen; system(openai):not_needed; system(openrouter):not_needed',
  },
  // Nothing at all.
  {
    name: 'no key anywhere: the message names the key to add',
    model: 'claude-3-5-sonnet',
    keys: [key('openai')],
    expect: 'no_route',
    receipt: 'user_openrouter:skipped=no_key; user_provider(anthropic):skipped=no_key; system(anthropic):skipped=no_system_key; system(openrouter):skipped=no_system_key',
    message: 'No key for anthropic: add an Anthropic or OpenRouter key at /api/v1/llm/byok/keys',
  },
  {
    name: 'no key for an openrouter/ model: asks for an OpenRouter key',
    model: 'openrouter/x/y',
    expect: 'no_route',
    receipt: 'user_openrouter:skipped=no_key; system(openrouter):skipped=no_system_key',
    message: 'No key for openrouter: add an OpenRouter key at /api/v1/llm/byok/keys',
  },
  // Issue #20 item 4: a user holding a key is told what is wrong with it, not asked to add one.
  {
    name: 'disabled provider key: says it is disabled and how to enable it',
    model: 'claude-3-5-sonnet',
    keys: [key('anthropic', { enabled: false })],
    expect: 'no_route',
    receipt: 'user_openrouter:skipped=no_key; user_provider(anthropic/default):skipped=disabled; system(anthropic):skipped=no_system_key; system(openrouter):skipped=no_system_key',
    message:
      'No usable key for anthropic: your Anthropic key is disabled (enable it with POST /api/v1/llm/byok/keys/anthropic/toggle or on the keys page). Or add an Anthropic or OpenRouter key at /api/v1/llm/byok/keys',
  },
  {
    name: 'rejected provider and OpenRouter keys: names both problems',
    model: 'gpt-4o',
    keys: [key('openrouter', { testStatus: 'invalid' }), key('openai', { testStatus: 'invalid', validationOutcome: 'no_credit' })],
    expect: 'no_route',
    receipt: 'user_openrouter(default):skipped=invalid; user_provider(openai/default):skipped=invalid; system(openai):skipped=no_system_key; system(openrouter):skipped=no_system_key',
    message:
      'No usable key for openai: your OpenRouter key was rejected by OpenRouter at its last test (replace it at /api/v1/llm/byok/keys); your OpenAI key has no credit left at OpenAI (top up the account, then test the key again)',
  },
  {
    name: 'undecryptable key without credits: both the credit problem and the key problem',
    model: 'gemini-2.0-flash',
    keys: [key('google', { unusable: 'undecryptable' })],
    system: ALL_SYSTEM,
    balance: 0,
    expect: 'insufficient_credits',
    receipt: 'user_openrouter:skipped=no_key; user_provider(google/default):skipped=undecryptable; system(google):skipped=no_credits; system(openrouter):skipped=no_credits',
    message: "Insufficient credits for the platform's google key: add credits, or add a Google Gemini or OpenRouter key at /api/v1/llm/byok/keys; your Google Gemini key cannot be decrypted",
  },
  {
    name: 'unknown model with a disabled OpenRouter key: says the key is disabled',
    model: 'mystery-model',
    keys: [key('openrouter', { enabled: false })],
    expect: 'no_route',
    receipt: 'user_openrouter(default):skipped=disabled',
    message: 'your OpenRouter key is disabled (enable it with POST /api/v1/llm/byok/keys/openrouter/toggle',
  },
];

function inputOf(row: Row): RouteInput {
  return { model: row.model, userKeys: row.keys ?? [], systemKeys: row.system ?? {}, creditBalanceMicro: row.balance === undefined ? POSITIVE : row.balance };
}

describe('decideRoute', () => {
  it.each(ROWS)('$name', (row) => {
    const decision = decideRoute(inputOf(row));
    expect(formatReceipt(decision)).toBe(row.receipt);
    if (typeof row.expect === 'string') {
      expect(decision.outcome).toBe(row.expect);
      if (decision.outcome === 'routed') return;
      expect(decision.message).toContain(row.message ?? '');
      expect(decision.candidates.some((c) => c.status === 'chosen')).toBe(false);
      return;
    }
    if (decision.outcome !== 'routed') throw new Error(`expected a route, got ${decision.outcome}: ${decision.message}`);
    const [source, provider, upstreamModel, keyId] = row.expect;
    expect(decision.chosen).toMatchObject({ credentialSource: source, provider, upstreamModel, status: 'chosen' });
    expect(decision.chosen.reason).toMatch(/^chosen: /);
    if (keyId !== undefined) expect(decision.chosen.keyId).toBe(keyId);
    expect(decision.candidates.filter((c) => c.status === 'chosen')).toEqual([decision.chosen]);
  });

  it.each(ROWS)('same decision from a prebuilt index and a memoising resolver: $name', (row) => {
    const input = inputOf(row);
    const indexed = { ...input, userKeys: indexUserKeys(row.keys ?? []) };
    const models = createModelResolver();
    expect(decideRoute(indexed, models)).toEqual(decideRoute(input));
    expect(decideRoute(indexed, models)).toEqual(decideRoute(input));
  });

  it('says when a resting key may serve again, the soonest of several, and nothing for other skips', () => {
    const until: Record<string, number> = { 'k-a': 9_000, 'k-b': 4_000 };
    const keyHealth = { blocked: (id: string) => (until[id] === undefined ? null : { reason: 'cooling_down' as const, untilMs: until[id] }) };
    const userKeys = [key('openai', { keyId: 'k-a', label: 'a' }), key('openai', { keyId: 'k-b', label: 'b' }), key('openai', { keyId: 'k-c', label: 'c', enabled: false })];
    const decision = decideRoute({ model: 'gpt-4o', userKeys, systemKeys: {}, creditBalanceMicro: POSITIVE, keyHealth });
    expect(decision).toMatchObject({ outcome: 'no_route', retryAt: 4_000 });
    const disabledOnly = decideRoute({ model: 'gpt-4o', userKeys: [userKeys[2] as UserKeyCandidate], systemKeys: {}, creditBalanceMicro: POSITIVE, keyHealth });
    expect(disabledOnly).not.toHaveProperty('retryAt');
  });

  it('echoes at most 100 characters of an unknown model name', () => {
    const decision = decideRoute({ model: `x/${'y'.repeat(5000)}`, userKeys: [], systemKeys: {}, creditBalanceMicro: 1 });
    if (decision.outcome === 'routed') throw new Error('expected no route');
    expect(decision.message.length).toBeLessThan(600);
  });
});

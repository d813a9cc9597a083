import { createHash } from 'node:crypto';
import { PROVIDERS, type ProviderId } from '@byok/providers';

/**
 * How the mock behaves for a key, chosen by the key's value:
 * - `valid`: the key works.
 * - `invalid`: well-formed but unknown to the provider (the provider's 401, or Gemini's 400).
 * - `no_credit`: the key works but has no money; see the README for each provider's signal.
 * - `rate_limited`: every call gets 429 with `retry-after: 1` and the provider's rate-limit headers.
 * - `rate_limited_once`: the first call for this exact key gets that 429, later calls succeed.
 * - `server_error`: the provider's 5xx and error body.
 * - `slow`: answers normally after `slowDelayMs` (default 5 s), or never if the client leaves.
 * - `redirect`: 302 to a target on the mock that tests can check was never called.
 */
export const SCENARIOS = [
  'valid',
  'invalid',
  'no_credit',
  'rate_limited',
  'rate_limited_once',
  'server_error',
  'slow',
  'redirect',
] as const;
export type Scenario = (typeof SCENARIOS)[number];

// Readable markers for formats that allow letters; the `0` ends the tag so `RateLimited` and
// `RateLimitedOnce` never read as each other.
const TAGS: Readonly<Record<Scenario, string>> = {
  valid: 'Valid',
  invalid: 'Invalid',
  no_credit: 'NoCredit',
  rate_limited: 'RateLimited',
  rate_limited_once: 'RateLimitedOnce',
  server_error: 'ServerError',
  slow: 'Slow',
  redirect: 'Redirect',
};
const TAG_PATTERN = /fake([A-Za-z]+)0/;
// Hex-only formats (OpenRouter) carry a fixed hex marker plus the scenario's index.
const HEX_MARKER = 'f00dfa4e0';
const HEX_PATTERN = /f00dfa4e0([0-9])/;

interface KeyShape {
  hexOnly: boolean;
  /** Builds the key from `body(n)` (marker then filler) and `fill(n)` (filler only). */
  build(body: (n: number) => string, fill: (n: number) => string): string;
}

/** Each provider's key layout, so every fake key passes that provider's `keyFormat.pattern`. */
const SHAPES: Readonly<Record<ProviderId, KeyShape>> = {
  openrouter: { hexOnly: true, build: (body) => `sk-or-v1-${body(64)}` },
  openai: { hexOnly: false, build: (body, fill) => `sk-proj-${body(74)}T3BlbkFJ${fill(74)}` },
  anthropic: { hexOnly: false, build: (body) => `sk-ant-api03-${body(93)}AA` },
  google: { hexOnly: false, build: (body) => `AIza${body(35)}` },
  cohere: { hexOnly: false, build: (body) => body(40) },
  together: { hexOnly: false, build: (body) => `tgp_v1_${body(43)}` },
  groq: { hexOnly: false, build: (body) => `gsk_${body(48)}` },
  perplexity: { hexOnly: false, build: (body) => `pplx-${body(48)}` },
};

function hexStream(seed: string, n: number): string {
  let out = '';
  for (let i = 0; out.length < n; i++) out += createHash('sha256').update(`${seed}#${i}`).digest('hex');
  return out.slice(0, n);
}

/**
 * A key that passes `provider`'s key format and that the mock reads back as `scenario`. The same
 * arguments always give the same key; use distinct seeds for keys that must not share state
 * (e.g. the per-key counter of `rate_limited_once`).
 */
export function fakeKey(provider: ProviderId, scenario: Scenario, seed = 'default'): string {
  const shape = SHAPES[provider];
  const marker = shape.hexOnly ? `${HEX_MARKER}${SCENARIOS.indexOf(scenario)}` : `fake${TAGS[scenario]}0`;
  const filler = (n: number): string => hexStream(`${provider}:${scenario}:${seed}`, n);
  const body = (n: number): string => `${marker}${filler(n)}`.slice(0, n);
  return shape.build(body, filler);
}

/**
 * The scenario a presented key stands for, or `undefined` when the key was not made by
 * `fakeKey` for this provider (the mock then answers as for an unknown key).
 */
export function decodeScenario(provider: ProviderId, key: string): Scenario | undefined {
  if (!PROVIDERS[provider].keyFormat.pattern.test(key)) return undefined;
  if (SHAPES[provider].hexOnly) {
    const index = HEX_PATTERN.exec(key)?.[1];
    return index === undefined ? undefined : SCENARIOS[Number(index)];
  }
  const tag = TAG_PATTERN.exec(key)?.[1];
  return SCENARIOS.find((s) => TAGS[s] === tag);
}

/** A stable, non-reversible id of a presented credential, safe to print in test output. */
export function credentialId(key: string): string {
  return `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

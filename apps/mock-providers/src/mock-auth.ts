import type { IncomingMessage } from 'node:http';
import type { ProviderId } from '@byok/providers';
import { credentialId, decodeScenario, type Scenario } from './fake-keys.js';
import { delay, sendReply } from './mock-reply.js';
import type { MockContext, MockReply } from './mock-route.js';
import { PROVIDER_REPLIES } from './provider-replies.js';

/** How each provider reads the credential, exactly as the real API does. */
interface AuthRule {
  /** The presented key, `undefined` when none (or the header is garbled). */
  read(req: IncomingMessage, query: URLSearchParams): string | undefined;
  /** Headers the API insists on besides the key, with the answer when one is missing. */
  required?: Readonly<Record<string, () => MockReply>>;
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

// `Authorization: sk-…` without the `Bearer ` prefix is "no credentials" to these APIs.
const bearer: AuthRule = {
  read: (req) => {
    const m = /^Bearer (\S+)$/.exec(header(req, 'authorization') ?? '');
    return m?.[1];
  },
};

const AUTH_RULES: Readonly<Record<ProviderId, AuthRule>> = {
  openrouter: bearer,
  openai: bearer,
  cohere: bearer,
  together: bearer,
  groq: bearer,
  perplexity: bearer,
  anthropic: {
    read: (req) => header(req, 'x-api-key'),
    required: {
      'anthropic-version': () => ({
        status: 400,
        body: { type: 'error', error: { type: 'invalid_request_error', message: 'anthropic-version: header is required' } },
      }),
    },
  },
  // Gemini takes the header (what @google/genai sends) or the `?key=` query parameter.
  google: { read: (req, query) => header(req, 'x-goog-api-key') ?? (query.get('key') || undefined) },
};

/** A request that passed auth: the key and the scenario it stands for. */
export interface Authenticated {
  key: string;
  scenario: Scenario;
}

/**
 * Checks the credential like the provider does. Sends the provider's missing/invalid answer and
 * returns `null` when it fails; records the credential hash and scenario on the call either way.
 */
export function authenticate(ctx: MockContext): Authenticated | null {
  const rule = AUTH_RULES[ctx.provider];
  const replies = PROVIDER_REPLIES[ctx.provider];
  const key = rule.read(ctx.req, ctx.query);
  if (key === undefined) {
    sendReply(ctx.res, replies.missingKey());
    return null;
  }
  ctx.call.credential = credentialId(key);
  for (const [name, reply] of Object.entries(rule.required ?? {})) {
    if (header(ctx.req, name) === undefined) {
      sendReply(ctx.res, reply());
      return null;
    }
  }
  const scenario = decodeScenario(ctx.provider, key);
  ctx.call.scenario = scenario ?? null;
  if (scenario === undefined || scenario === 'invalid') {
    sendReply(ctx.res, replies.invalidKey(key));
    return null;
  }
  return { key, scenario };
}

/** Options of `guard`. */
export interface GuardOptions {
  /**
   * `reply` (default): answer a `no_credit` key with the provider's no-credit error, where the
   * provider has one. `pass`: let the route render it (OpenRouter's `/key` shows a used-up limit).
   */
  noCredit?: 'reply' | 'pass';
}

/**
 * Auth plus every scenario that behaves the same on all routes: rate limits, server errors,
 * slowness, redirects and (by default) no credit. Returns the key and scenario when the route
 * should answer normally, or `null` when a response was already sent or the client has gone.
 */
export async function guard(ctx: MockContext, options: GuardOptions = {}): Promise<Authenticated | null> {
  const auth = authenticate(ctx);
  if (!auth) return null;
  const replies = PROVIDER_REPLIES[ctx.provider];
  const send = (reply: MockReply): null => {
    sendReply(ctx.res, reply);
    return null;
  };
  switch (auth.scenario) {
    case 'rate_limited':
      return send(replies.rateLimited());
    case 'rate_limited_once': {
      const id = credentialId(auth.key);
      const seen = ctx.counters.get(id) ?? 0;
      ctx.counters.set(id, seen + 1);
      return seen === 0 ? send(replies.rateLimited()) : auth;
    }
    case 'server_error':
      return send(replies.serverError());
    case 'slow':
      return (await delay(ctx.settings.slowDelayMs, ctx.signal)) ? auth : null;
    case 'redirect':
      return send({
        status: 302,
        headers: { location: `${ctx.settings.url}/__redirect-target/${ctx.provider}` },
        body: 'Found',
      });
    case 'no_credit':
      return (options.noCredit ?? 'reply') === 'reply' && replies.noCredit ? send(replies.noCredit()) : auth;
    default:
      return auth;
  }
}

import type { MockProviders } from '@byok/mock-providers';
// The adapters are consumed from source; switch to '@byok/providers' once the lib index re-exports chat/.
import { 
  type ChatError,
  chatAdapterFor,
  clientWantsStreamUsage,
  type OpenAIChatRequest,
  type ParsedCompletion,PROVIDERS, type ProviderId, 
  type StreamTranslator,} from '@byok/providers';
import { request } from 'undici';

/**
 * Test support: one chat request through the real adapter and undici against the mock, the way
 * the proxy will do it. Not a test itself.
 */

/** What came back, in gateway terms. */
export interface ChatRun {
  /** The upstream HTTP status. */
  status: number;
  /** Non-streamed success. */
  completion?: ParsedCompletion;
  /** Upstream error status, or a 2xx body the adapter refused. */
  error?: ChatError;
  /** Streamed: the OpenAI SSE text the client would receive. */
  sse?: string;
  translator?: StreamTranslator;
  /** Streamed: how many upstream body chunks arrived (the mock flushes per event). */
  upstreamChunks?: number;
}

export const REQUEST_ID = 'req_mock_test';

/** Sends `body` to `provider` on the mock with `key`; the model in `body` is also the upstream model. */
export async function runChat(mock: MockProviders, provider: ProviderId, key: string, body: OpenAIChatRequest): Promise<ChatRun> {
  const definition = PROVIDERS[provider];
  const adapter = chatAdapterFor(definition.chat);
  const built = adapter.buildRequest({ request: body, upstreamModel: body.model, apiKey: key, baseUrl: mock.baseUrls[provider], spec: definition.chat, auth: definition.auth });
  if (!built.ok) throw new Error(`buildRequest failed: ${built.error.body.error.message}`);
  const res = await request(built.value.url, { method: 'POST', headers: built.value.headers, body: built.value.body });
  if (res.statusCode >= 400) {
    const error = adapter.parseError(res.statusCode, await res.body.text(), { providerName: definition.displayName, headers: res.headers });
    return { status: res.statusCode, error };
  }
  const ctx = { model: body.model, requestId: REQUEST_ID };
  if (body.stream !== true) {
    const parsed = adapter.parseResponse(await res.body.json(), ctx);
    return parsed.ok ? { status: res.statusCode, completion: parsed.value } : { status: res.statusCode, error: parsed.error };
  }
  const translator = adapter.createStreamTranslator({ ...ctx, clientWantsUsage: clientWantsStreamUsage(body) });
  let sse = '';
  let upstreamChunks = 0;
  for await (const chunk of res.body) {
    upstreamChunks++;
    sse += translator.push(chunk);
  }
  sse += translator.end();
  return { status: res.statusCode, sse, translator, upstreamChunks };
}

/** A chat body whose prompt is 7 words (system 3 + user 4), so prompt tokens are 7. */
export function chatBody(model: string, extra: Partial<OpenAIChatRequest> = {}): OpenAIChatRequest {
  return {
    model,
    messages: [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Say hello to me' },
    ],
    ...extra,
  };
}

export const PROMPT_TOKENS = 7;

/** A model name the mock accepts for each provider (any name works; these look real). */
export const MODELS: Record<ProviderId, string> = {
  openai: 'gpt-4o-mini',
  openrouter: 'openai/gpt-4o-mini',
  anthropic: 'claude-sonnet-4-5',
  google: 'gemini-2.0-flash',
  cohere: 'command-a-03-2025',
  together: 'meta-llama/Llama-3.3-70B-Instruct-Turbo',
  groq: 'llama-3.1-8b-instant',
  perplexity: 'sonar',
};

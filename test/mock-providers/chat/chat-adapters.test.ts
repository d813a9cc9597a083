import { fakeKey, type MockProviders, startMockProviders } from '@byok/mock-providers';
import { chatRoutes } from '@byok/mock-providers/chat';
import { PROVIDER_IDS, PROVIDERS, type ProviderId } from '@byok/providers';
import { APIError } from 'openai';
import { Stream } from 'openai/streaming';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatBody, MODELS, PROMPT_TOKENS, runChat } from './chat-client.js';

/**
 * The real chat adapters against the mock, for every provider, the way the proxy will call them:
 * build the request, send it with undici, translate the answer.
 */

let mock: MockProviders;
beforeAll(async () => {
  mock = await startMockProviders({ extraRoutes: chatRoutes });
});
afterAll(async () => mock.close());

const answer = (provider: ProviderId) => `Hello from ${PROVIDERS[provider].displayName}`;
const answerWords = (provider: ProviderId) => answer(provider).split(' ').length;
const usageFor = (provider: ProviderId) => ({ promptTokens: PROMPT_TOKENS, completionTokens: answerWords(provider), totalTokens: PROMPT_TOKENS + answerWords(provider) });
const toolUsage = { promptTokens: PROMPT_TOKENS, completionTokens: 2, totalTokens: PROMPT_TOKENS + 2 };
const valid = (provider: ProviderId) => fakeKey(provider, 'valid');

interface SdkChunk {
  choices: Array<{ delta: { content?: string | null; tool_calls?: Array<{ index: number; id?: string; function?: { name?: string; arguments?: string } }> }; finish_reason: string | null }>;
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null;
}

/** Reads translated SSE with the official OpenAI SDK, as a gateway client would. */
async function readWithSdk(sse: string): Promise<{ chunks: SdkChunk[]; error: unknown }> {
  const stream = Stream.fromSSEResponse<SdkChunk>(new Response(sse), new AbortController());
  const chunks: SdkChunk[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

const textOf = (chunks: SdkChunk[]) => chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? '')).join('');

/** Tool-call deltas merged by index, as OpenAI clients assemble them. */
function toolCallsOf(chunks: SdkChunk[]): Array<{ id: string; name: string; arguments: string }> {
  const calls: Array<{ id: string; name: string; arguments: string }> = [];
  for (const chunk of chunks) {
    for (const delta of chunk.choices.flatMap((c) => c.delta.tool_calls ?? [])) {
      const call = calls[delta.index] ?? { id: '', name: '', arguments: '' };
      calls[delta.index] = call;
      call.id += delta.id ?? '';
      call.name += delta.function?.name ?? '';
      call.arguments += delta.function?.arguments ?? '';
    }
  }
  return calls;
}

describe.each(PROVIDER_IDS)('%s chat through its adapter', (provider) => {
  const model = MODELS[provider];
  const usage = usageFor(provider);

  it('answers a non-streamed request with content and usage', async () => {
    const run = await runChat(mock, provider, valid(provider), chatBody(model));
    expect(run.error).toBeUndefined();
    const body = run.completion?.body;
    expect(body?.object).toBe('chat.completion');
    expect(body?.choices[0]?.message.content).toBe(answer(provider));
    expect(body?.choices[0]?.finish_reason).toBe('stop');
    expect(run.completion?.usage).toEqual(usage);
  });

  it.each([false, true])('streams content and captures usage (client asked for usage: %s)', async (clientWantsUsage) => {
    const run = await runChat(mock, provider, valid(provider), chatBody(model, { stream: true, ...(clientWantsUsage ? { stream_options: { include_usage: true } } : {}) }));
    expect(run.status).toBe(200);
    expect(run.upstreamChunks).toBeGreaterThan(1);
    expect(run.translator?.error()).toBeUndefined();
    expect(run.translator?.usage()).toEqual(usage);
    expect(run.translator?.finishReason()).toBe('stop');

    const { chunks, error } = await readWithSdk(run.sse ?? '');
    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe(answer(provider));
    const usageChunks = chunks.filter((c) => c.choices.length === 0 && c.usage);
    expect(usageChunks.length).toBe(clientWantsUsage ? 1 : 0);
    if (clientWantsUsage) expect(usageChunks[0]?.usage?.total_tokens).toBe(usage.totalTokens);
  });

  it('returns a tool call without streaming', async () => {
    const run = await runChat(mock, provider, valid(provider), chatBody(`${model}-tool-call`));
    const choice = run.completion?.body.choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.tool_calls?.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual([['get_weather', { city: 'Paris' }]]);
    expect(choice?.message.tool_calls?.[0]?.id).toMatch(/\S/);
    expect(run.completion?.usage).toEqual(toolUsage);
  });

  it('streams a tool call', async () => {
    const run = await runChat(mock, provider, valid(provider), chatBody(`${model}-tool-call`, { stream: true }));
    const { chunks, error } = await readWithSdk(run.sse ?? '');
    expect(error).toBeUndefined();
    const calls = toolCallsOf(chunks);
    expect(calls.map((c) => [c.name, JSON.parse(c.arguments)])).toEqual([['get_weather', { city: 'Paris' }]]);
    expect(calls[0]?.id).toMatch(/\S/);
    expect(run.translator?.finishReason()).toBe('tool_calls');
    expect(run.translator?.usage()).toEqual(toolUsage);
  });

  it('turns a mid-stream failure into an OpenAI error event after the content so far', async () => {
    const run = await runChat(mock, provider, valid(provider), chatBody(`${model}-mid-stream-error`, { stream: true }));
    expect(run.status).toBe(200);
    expect(run.translator?.error()?.type).toBe('server_error');
    expect(run.sse?.endsWith('data: [DONE]\n\n')).toBe(true);
    const { chunks, error } = await readWithSdk(run.sse ?? '');
    expect(error).toBeInstanceOf(APIError);
    // Gemini sends a word per event; the others too, after a role chunk: two words arrive first.
    expect(textOf(chunks)).toBe(answer(provider).split(' ').slice(0, 2).join(' '));
  });

  it('reports a non-streamed failure during generation as an upstream error', async () => {
    const run = await runChat(mock, provider, valid(provider), chatBody(`${model}-mid-stream-error`));
    expect(run.error?.status).toBeGreaterThanOrEqual(500);
    expect(run.error?.body.error.message).not.toContain('<');
  });

  it('reports the model name the client asked for (translated dialects) or upstream resolved (openai)', async () => {
    const run = await runChat(mock, provider, valid(provider), chatBody(model));
    expect(run.completion?.body.model).toBe(model);
    expect(run.completion?.body.id).toMatch(/mock/);
  });
});
